package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.tests.faulty.FaultyActivator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a generation in flight sees when providers change under it: nothing lost, same tokens. */
class LiveRebindTest {
    static final int[] PROMPT = {7, 3, 9, 4, 8, 1, 5, 2};
    static final int NEW = 30, SWAP_AT = 10;

    @Test
    void swapToAnotherStateLayoutRebuildsTheStateFromTheTokensSeen(@TempDir Path a, @TempDir Path b, @TempDir Path jars) throws Exception {
        Path narrow = counter("counter", "9.0.0", jars), wide = counter("counter-wide", "9.0.1", jars);
        int[] baseline;
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(a))) {
            assertTrue(rt.bundles().install(wide).ok());
            baseline = generate(rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT), null, null);
        }
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(b))) {
            assertTrue(rt.bundles().install(narrow).ok());
            Model model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT);
            assertEquals("9.0.0", model.layers().get(3).binding().provider().version());
            CountDownLatch reached = new CountDownLatch(1), swapped = new CountDownLatch(1);
            CompletableFuture<int[]> run = CompletableFuture.supplyAsync(() -> generate(model, reached, swapped));
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            assertTrue(rt.bundles().install(wide).ok()); // higher version, other state layout
            assertEquals("9.0.1", model.layers().get(3).binding().provider().version());
            swapped.countDown();
            assertArrayEquals(baseline, run.get(60, TimeUnit.SECONDS),
                    "the rebuilt state must hold every token seen, as if the new provider had run from the start");
        }
    }

    @Test
    void generationWaitsWhileItsBlockTypeIsGoneAndResumesWhenItReturns(@TempDir Path dir) throws Exception {
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(dir))) {
            Model model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT);
            int[] baseline = generate(model, null, null);
            Path attention = dir.resolve(BundleJars.built("fullattn").getFileName());
            CountDownLatch reached = new CountDownLatch(1), go = new CountDownLatch(1);
            CompletableFuture<int[]> run = CompletableFuture.supplyAsync(() -> generate(model, reached, go));
            assertTrue(reached.await(60, TimeUnit.SECONDS));
            assertTrue(rt.bundles().uninstall(attention).ok());
            assertFalse(model.layers().get(1).available() || model.layers().get(3).available() || model.layers().get(5).available());
            go.countDown();
            Thread.sleep(600);
            assertFalse(run.isDone(), "the generation must wait for the attention layers, not fail or finish");
            assertTrue(rt.bundles().install(attention).ok());
            assertArrayEquals(baseline, run.get(60, TimeUnit.SECONDS));
        }
    }

    /** Greedy tokens; at token SWAP_AT it signals {@code reached} and waits for {@code resume}. */
    private static int[] generate(Model model, CountDownLatch reached, CountDownLatch resume) {
        int[] count = {0};
        return Generator.generate(model, new int[][] {PROMPT}, NEW, SamplingParams.GREEDY, Set.of(), (row, id) -> {
            if (++count[0] == SWAP_AT && reached != null) {
                reached.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }).tokens().getFirst();
    }

    private static Path counter(String mode, String version, Path dir) throws Exception {
        return BundleJars.fromTestPackage(FaultyActivator.class.getPackage(), Map.of(
                "Bundle-SymbolicName", "io.jetrt.tests." + mode, "Bundle-Version", version,
                "Bundle-Activator", FaultyActivator.class.getName(), "Faulty-Mode", mode,
                "Import-Package", "io.jetrt.spi;version=\"[1.0,2)\",org.osgi.framework;version=\"[1.10,2)\""), dir.resolve(mode + ".jar"));
    }
}
