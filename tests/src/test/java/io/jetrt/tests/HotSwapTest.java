package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention bundle is replaced 20 times through the watched bundles directory, alternating between
 * two builds (versions 1.0.0 and 1.0.1 of the same code), while 8 greedy generations run on tiny-jet:
 * every generation finishes with exactly the tokens of a run without swaps.
 */
class HotSwapTest {
    static final int GENERATIONS = 8, UPDATES = 20, NEW_TOKENS = 160;

    @Test
    void generationsSurviveRepeatedBundleUpdates(@TempDir Path bundles, @TempDir Path variants) throws Exception {
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(bundles))) {
            Path live = bundles.resolve(BundleJars.built("fullattn").getFileName());
            Path v100 = BundleJars.withVersion(live, "1.0.0", variants.resolve("a.jar"));
            Path v101 = BundleJars.withVersion(live, "1.0.1", variants.resolve("b.jar"));
            Model model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT);
            int[][] prompts = new int[GENERATIONS][];
            for (int g = 0; g < GENERATIONS; g++) {
                prompts[g] = new int[10];
                for (int j = 0; j < 10; j++) prompts[g][j] = (g * 53 + j * 17 + 1) % 512;
            }
            List<int[]> baseline = new ArrayList<>();
            for (int[] p : prompts) baseline.add(generate(model, p, null, null));

            ExecutorService pool = Executors.newFixedThreadPool(GENERATIONS);
            // every generation has produced a token before the first update, and holds its last token until the
            // last update is done: all 20 updates happen while all 8 generations are in flight, however fast they run
            CountDownLatch started = new CountDownLatch(GENERATIONS), updated = new CountDownLatch(1);
            List<Future<int[]>> runs = new ArrayList<>();
            for (int[] p : prompts) runs.add(pool.submit(() -> generate(model, p, started, updated)));
            assertTrue(started.await(2, TimeUnit.MINUTES), "generations did not start");
            for (int k = 0; k < UPDATES; k++) {
                Path next = k % 2 == 0 ? v101 : v100;
                Files.copy(next, live, StandardCopyOption.REPLACE_EXISTING);
                Files.setLastModifiedTime(live, FileTime.fromMillis(1_700_000_000_000L + k * 1000L)); // same size: the time tells
                BundleManager.Outcome first = rt.plugins().scan(), settled = rt.plugins().scan();
                assertTrue(first.ok() && settled.ok() && settled.started().size() == 1, "update " + k + ": " + first + " / " + settled);
                String want = k % 2 == 0 ? "1.0.1" : "1.0.0";
                assertEquals(want, model.layers().get(3).binding().provider().version(), "update " + k);
                assertEquals(want, model.layers().get(1).binding().provider().version(), "update " + k + " (swa layer)");
                for (Future<int[]> r : runs) assertFalse(r.isDone(), "update " + k + ": a generation ended early");
            }
            updated.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES));
            for (int g = 0; g < GENERATIONS; g++) assertArrayEquals(baseline.get(g), runs.get(g).get(), "generation " + g);
        }
    }

    /** Greedy tokens; with latches, signals its first token and waits before sampling its last. */
    private static int[] generate(Model model, int[] prompt, CountDownLatch started, CountDownLatch updated) {
        int[] count = {0};
        Generator.Result r = Generator.generate(model, new int[][] {prompt}, NEW_TOKENS, SamplingParams.GREEDY, Set.of(), (row, id) -> {
            if (started == null) return;
            if (++count[0] == 1) started.countDown();
            if (count[0] == NEW_TOKENS - 1) {
                try {
                    updated.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        return r.tokens().getFirst();
    }
}
