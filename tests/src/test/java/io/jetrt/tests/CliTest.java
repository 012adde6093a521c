package io.jetrt.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.cli.Main;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI as a user runs it: exit codes and what it prints. */
class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() { return out.toString(StandardCharsets.UTF_8); }

    @Test
    void verifyPassesOnAFixtureAndPrintsEveryCheck() {
        assertEquals(0, run("verify", Fixtures.block("attention").toString()), out() + err);
        assertTrue(out().contains("io.final_next.key_cache") && out().contains("13 passed, 0 failed"), out());
    }

    @Test
    void verifyFailsWithExitCode1WhenAnExpectedTensorIsOff(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("attention.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(Fixtures.block("attention"))) {
            f.metadata().forEach(w::metadata);
            for (String n : f.names()) {
                FloatTensor t = f.readFloats(n);
                if (n.equals("io.y_next")) t.data()[17] += 0.01f;
                w.add(n, t, DType.F32);
            }
        }
        w.write(bad);
        assertEquals(1, run("verify", bad.toString(), "--backend", "cpu"));
        assertTrue(out().contains("io.y_next") && out().contains("FAIL") && out().contains("1 failed"), out());
    }

    @Test
    void verifyWholeModelDirectory() {
        assertEquals(0, run("verify", Fixtures.tinyJet().toString(), "--backend", "cpu"), out() + err);
        assertTrue(out().contains("generated_ids") && out().contains("4 passed, 0 failed"), out());
    }

    @Test
    void generateOnTheEmbeddedDemoModelStreamsTokens() {
        assertEquals(0, run("generate", "--prompt", "A JetBlock mixes", "--max-tokens", "12", "--temperature", "0.8", "--seed", "3"), err.toString());
        assertTrue(out().strip().length() > 0, "no text generated");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("generated (\\d+) tokens, decode [0-9.]+ tok/s").matcher(err.toString());
        assertTrue(m.find(), err.toString());
        int n = Integer.parseInt(m.group(1));
        assertTrue(n >= 1 && n <= 12, "generated " + n + " tokens with --max-tokens 12");
    }

    @Test
    void generateOnTinyJetWithTokenIds() {
        assertEquals(0, run("generate", "--model", Fixtures.tinyJet().toString(), "--prompt-ids", "1,2,3,4,5", "--max-tokens", "6"), err.toString());
        assertEquals(6, out().strip().split("\\s+").length, out());
    }

    @Test
    void benchWithSyntheticFillTimesDecodeOnlyAndSaysSo(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("rows.json");
        assertEquals(0, run("bench", "--backend", "cpu", "--fill", "synthetic", "--prompt-len", "300", "--batch", "2", "--gen", "3",
                "--json", json.toString()), err.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "batch +2 +prompt +300 \\| prefill synthetic context fill, not timed +\\| decode +([0-9.]+) tok/s").matcher(out());
        assertTrue(m.find(), out());
        assertTrue(Double.parseDouble(m.group(1)) > 0, out());
        JsonNode row = new ObjectMapper().readTree(json.toFile()).get(0);
        assertEquals("synthetic", row.get("fill").asText());
        assertTrue(row.get("prefill_tps").isNull(), row.toString()); // no prefill ran: NaN, written as null
        assertTrue(row.get("decode_tps").asDouble() > 0 && row.get("state_bytes_per_seq").asLong() > 0, row.toString());
    }

    @Test
    void infoListsBundlesAndTypes() {
        assertEquals(0, run("info"));
        for (String s : new String[] {"io.jetrt.blocks.fullattn", "active", "mamba2", "swa", "reference,cpu"}) assertTrue(out().contains(s), out());
    }

    @Test
    void unknownOptionAndCommandAreErrors() {
        assertEquals(2, run("verify", "x", "--bakend", "cpu")); // a usage error: 2, as an unknown command
        assertTrue(err.toString().contains("unknown option --bakend; did you mean --backend?"), err.toString());
        assertEquals(2, run("frobnicate"));
    }
}
