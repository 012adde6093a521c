package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A block bundle updated while a model runs on the GPU: the layers move to the new build, the captured
 * decode step is captured again for the new blocks (the old one points at freed weights), the sequence
 * continues with the logits a run without the update gives, and the old build's device memory is freed.
 * Skipped, with the reason, where there is no GPU.
 */
class GpuHotSwapTest {

    @Test
    void decodeContinuesOnTheUpdatedBundleAndTheOldOnesMemoryIsFreed(@TempDir Path bundles, @TempDir Path variants) throws Exception {
        assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
        try (JetRuntime rt = JetRuntime.start(Fixtures.copyOfBundles(bundles))) {
            Path live = bundles.resolve(BundleJars.built("fullattn").getFileName());
            Path v101 = BundleJars.withVersion(live, "1.0.1", variants.resolve("b.jar"));
            int[] prompt = {5, 17, 29, 41, 53, 65, 77, 89};
            int steps = 6;
            float[] expected;
            try (Model plain = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withBackend(Backend.CUDA))) {
                expected = run(plain, prompt, steps, null);
            }
            GpuContext ctx = GpuContext.get();
            try (Model model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withBackend(Backend.CUDA))) {
                long heldBefore = ctx.heldBytes();
                float[] got = run(model, prompt, steps, () -> {
                    Files.copy(v101, live, StandardCopyOption.REPLACE_EXISTING);
                    Files.setLastModifiedTime(live, FileTime.fromMillis(1_700_000_000_000L));
                    BundleManager.Outcome first = rt.plugins().scan(), settled = rt.plugins().scan();
                    assertTrue(first.ok() && settled.ok(), first + " / " + settled);
                    assertEquals("1.0.1", model.layers().get(3).binding().provider().version());
                    assertEquals(Backend.CUDA, model.layers().get(3).backend());
                });
                // same code in both builds: the logits after the update are the ones without it
                assertArrayEquals(expected, got, 0f);
                // the state is closed by now and the new blocks hold what the old ones did
                assertEquals(heldBefore, ctx.heldBytes(), "the old attention blocks' device memory was freed");
            }
        }
    }

    /** Prefill, two decode steps, {@code midway}, then the rest of the steps; every step's logits concatenated. */
    private static float[] run(Model m, int[] prompt, int steps, ThrowingRunnable midway) throws Exception {
        int vocab = m.config().vocabSize();
        float[] out = new float[(steps + 1) * vocab];
        try (ModelState s = m.newState(1, prompt.length + steps)) {
            System.arraycopy(m.forward(prompt, 1, s, false, null).data(), 0, out, 0, vocab);
            for (int i = 0; i < steps; i++) {
                if (i == 2 && midway != null) midway.run();
                System.arraycopy(m.forward(new int[] {i + 3}, 1, s, false, null).data(), 0, out, (i + 1) * vocab, vocab);
            }
        }
        return out;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
