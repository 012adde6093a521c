package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.wiring.BundleWiring;

import java.lang.ref.WeakReference;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A layer swapped in with seeded weights, then moved to a newer bundle of its type while the old one is removed: the
 * layer keeps its weights (the model computes the same logits) and nothing of the removed bundle stays reachable.
 */
class SeededLayerRebindTest {

    @Test
    void aSwappedInLayerKeepsItsWeightsAndNoRemovedBundleReachable(@TempDir Path dir, @TempDir Path jars) throws Exception {
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(dir))) {
            Path attention = dir.resolve(BundleJars.built("fullattn").getFileName());
            WeakReference<ClassLoader> oldLoader = new WeakReference<>(
                    rt.bundles().bundleOf(attention).orElseThrow().adapt(BundleWiring.class).getClassLoader());
            ComposeOptions options = ComposeOptions.DEFAULT.withBackend(Backend.CPU).withOverrides(LayerRules.parse("0:attn")).withInitSeed(7);
            try (Model model = rt.load(Fixtures.tinyJet(), options)) {
                assertTrue(model.layers().getFirst().weightSource().startsWith("seeded upstream init"));
                float[] before = logits(model);

                Path newer = BundleJars.withVersion(BundleJars.built("fullattn"), "3.0.0", jars.resolve("fullattn-3.jar"));
                assertTrue(rt.bundles().install(newer).ok());
                assertTrue(rt.bundles().uninstall(attention).ok());
                assertEquals("3.0.0", model.layers().getFirst().binding().provider().version());

                assertArrayEquals(before, logits(model), 0f, "the seeded weights stay the layer's across the re-binding");
                for (int i = 0; i < 20 && oldLoader.get() != null; i++) {
                    System.gc();
                    Thread.sleep(100);
                }
                assertNull(oldLoader.get(), "the removed bundle's class loader is still reachable from the open model");
            }
        }
    }

    private static float[] logits(Model model) {
        int[] prompt = Tokens.random(12, model.config().vocabSize(), 3);
        try (ModelState s = model.newState(1, prompt.length)) {
            return model.forward(prompt, 1, s, true, null).data();
        }
    }
}
