package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The third-party example (examples/retention-block, its own Maven project built against the published SPI)
 * is dropped into the watched bundles directory of a running runtime, and a model runs with its block.
 */
class PluginExampleTest {

    @Test
    void droppedInPluginServesAModel(@TempDir Path bundles) throws Exception {
        Path plugin = retentionJar();
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(bundles))) {
            assertFalse(rt.registry().types().contains("retention"));
            Files.copy(plugin, bundles.resolve(plugin.getFileName()));
            rt.plugins().scan();                     // seen
            assertTrue(rt.plugins().scan().ok());    // settled: installed and started
            assertTrue(rt.registry().types().contains("retention"), rt.registry().types().toString());

            Model model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("jet:retention")).withInitSeed(3));
            List<Layer> retention = model.layers().stream().filter(l -> l.type().equals("retention")).toList();
            assertEquals(List.of(0, 2, 4), retention.stream().map(Layer::index).toList());
            for (Layer l : retention) {
                assertEquals("org.example.jetrt.retention", l.binding().bundle().getSymbolicName());
                assertTrue(l.weightSource().startsWith("seeded upstream init"), l.weightSource());
            }
            int[] prompt = {11, 22, 33, 44, 55, 66};
            Generator.Result r = Generator.generate(model, new int[][] {prompt}, 12, SamplingParams.GREEDY, Set.of(), (row, id) -> {});
            assertEquals(12, r.tokens().getFirst().length);
            Generator.Result again = Generator.generate(model, new int[][] {prompt}, 12, SamplingParams.GREEDY, Set.of(), (row, id) -> {});
            assertTrue(java.util.Arrays.equals(r.tokens().getFirst(), again.tokens().getFirst()), "greedy generation must be repeatable");

            // removing the jar takes the type away again; the model reports the layers it cannot run
            Files.delete(bundles.resolve(plugin.getFileName()));
            assertTrue(rt.plugins().scan().ok());
            assertFalse(rt.registry().types().contains("retention"));
            assertFalse(model.layers().get(0).available());
        }
    }

    private static Path retentionJar() throws Exception {
        Path dir = Path.of(System.getProperty("jetrt.plugins", "target/plugins"));
        List<Path> jars = new java.util.ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "retention-block-*.jar")) {
            s.forEach(jars::add);
        }
        if (jars.size() != 1) {
            throw new IllegalStateException("expected exactly one example plug-in jar (built by examples/retention-block) in " + dir + "; found " + jars);
        }
        return jars.getFirst();
    }
}
