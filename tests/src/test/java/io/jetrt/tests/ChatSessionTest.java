package io.jetrt.tests;

import io.jetrt.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jetrt chat}: turns and management commands in one running session, as a user types them. */
class ChatSessionTest {

    @Test
    void turnsAndBundleCommandsInOneSession(@TempDir Path bundles, @TempDir Path work) throws Exception {
        Fixtures.copyOfBundles(bundles);
        Path plugin = BundleJars.withVersion(BundleJars.built("fullattn"), "1.0.7", work.resolve("attn-107.jar"));
        String script = String.join("\n",
                "hello there",
                ":layers",
                ":install " + plugin,
                ":layers",
                "and again",
                ":uninstall " + plugin,
                ":frobnicate",
                ":quit") + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"chat", "--bundles", bundles.toString(), "--max-tokens", "6", "--seed", "1"},
                new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String shown = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString());
        assertTrue(shown.contains(" 1 swa      swa 1.0.0 from io.jetrt.blocks.fullattn 1.0.0"), shown);
        assertTrue(shown.contains("active: io.jetrt.blocks.fullattn 1.0.7"), shown);
        assertTrue(shown.contains(" 3 attn     attn 1.0.7 from io.jetrt.blocks.fullattn 1.0.7"), "the newer attention took the layers over:\n" + shown);
        assertTrue(shown.contains("! unknown command :frobnicate"), shown);
    }
}
