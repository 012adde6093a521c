package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The engine primitives on the GPU, on the tiny Jet-Nemotron fixture (float32 weights: the device computes in fp32 too):
 * teacher-forced steps replayed from a device buffer against forward steps on the device and on the CPU, a synthetic
 * context on cuda against the same one on the CPU, state bytes and memory facts, and prefill rows planned from free
 * memory carrying a prompt whose unchunked activations would not fit. Skipped, with the reason, where there is no GPU.
 */
class GpuEnginePrimitivesTest {
    static JetRuntime rt;

    @BeforeAll static void start() {
        if (GpuContext.missing() == null) rt = JetRuntime.start(Fixtures.settings());
    }

    @AfterAll static void stop() {
        if (rt != null) rt.close();
    }

    @BeforeEach void needGpu() { assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing()); }

    static Model load(String overrides, Backend backend) {
        ComposeOptions o = ComposeOptions.DEFAULT.withBackend(backend);
        return rt.load(Fixtures.tinyJet(), overrides.isEmpty() ? o : o.withOverrides(LayerRules.parse(overrides)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jet:gdn", "jet:mamba2"})
    void teacherForcedOnTheDeviceChoosesWhatForwardStepsChoose(String overrides) {
        try (Model gpu = load(overrides, Backend.CUDA); Model cpu = load(overrides, Backend.CPU)) {
            int batch = 3, len = 11, n = 7, vocab = gpu.config().vocabSize();
            int[] prompt = Tokens.random(batch * len, vocab, 31), forced = Tokens.random(n * batch, vocab, 32);
            try (ModelState a = gpu.newState(batch, len + n); ModelState b = gpu.newState(batch, len + n);
                 ModelState c = cpu.newState(batch, len + n)) {
                gpu.forward(prompt, batch, a, false, null);
                gpu.forward(prompt, batch, b, false, null);
                cpu.forward(prompt, batch, c, false, null);
                double[] stepMs = new double[n];
                int[] got = gpu.teacherForced(forced, a, n, stepMs);
                for (int s = 0; s < n; s++) {
                    int[] row = Arrays.copyOfRange(forced, s * batch, (s + 1) * batch);
                    float[] lg = gpu.forward(row, batch, b, false, null).data(), lc = cpu.forward(row, batch, c, false, null).data();
                    for (int r = 0; r < batch; r++) {
                        int i = s * batch + r;
                        assertEquals(Tokens.argmax(lg, r * vocab, vocab), got[i], "step " + s + " row " + r + ": device loop vs forward on cuda");
                        int host = Tokens.argmax(lc, r * vocab, vocab);
                        if (host != got[i]) {
                            // fp32 on both sides, summed in other orders: ~1e-6 relative per product, a few layers deep;
                            // only a near tie (within 1e-4 of the row's scale) may choose differently
                            double scale = 0;
                            for (int v = 0; v < vocab; v++) scale = Math.max(scale, Math.abs(lc[r * vocab + v]));
                            double gap = lc[r * vocab + host] - lc[r * vocab + got[i]];
                            assertTrue(gap <= 1e-4 * scale, "step " + s + " row " + r + ": cuda chose " + got[i] + ", cpu " + host + ", gap " + gap);
                        }
                    }
                }
                for (int s = 0; s < n; s++) assertTrue(stepMs[s] > 0, "step " + s + " took " + stepMs[s] + " ms");
                assertArrayEquals(b.positions(), a.positions());
                assertArrayEquals(new int[] {len + n, len + n, len + n}, a.positions());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jet:gdn", "jet:mamba2", "0-5:attn"})
    void aSyntheticContextOnCudaDecodesAsOnTheCpu(String overrides) {
        try (Model gpu = load(overrides, Backend.CUDA); Model cpu = load(overrides, Backend.CPU)) {
            int batch = 2, tokens = 20;
            assertEquals(cpu.stateBytes(batch, tokens + 4), gpu.stateBytes(batch, tokens + 4));
            try (ModelState g = gpu.newState(batch, tokens + 4); ModelState c = cpu.newState(batch, tokens + 4)) {
                assertEquals(g.bytesPerSequence() * batch, gpu.stateBytes(batch, tokens + 4));
                g.fillSynthetic(tokens);
                c.fillSynthetic(tokens);
                float[] lg = gpu.forward(new int[] {3, 4}, batch, g, false, null).data(), lc = cpu.forward(new int[] {3, 4}, batch, c, false, null).data();
                double num = 0, den = 0;
                for (int i = 0; i < lc.length; i++) {
                    assertTrue(Float.isFinite(lg[i]), "logit " + i + " is " + lg[i]);
                    num += (lg[i] - lc[i]) * (double) (lg[i] - lc[i]);
                    den += (double) lc[i] * lc[i];
                }
                // the fixtures' tolerance for the device path (relative L2 2e-2), as GpuModelTest
                assertTrue(Math.sqrt(num / den) < 2e-2, "relative L2 " + Math.sqrt(num / den) + ", overrides '" + overrides + "'");
                assertArrayEquals(new int[] {tokens + 1, tokens + 1}, g.positions());
                double[] ms = new double[2];
                gpu.teacherForced(new int[] {5, 6, 7, 8}, g, 2, ms);
                assertArrayEquals(new int[] {tokens + 3, tokens + 3}, g.positions());
            }
        }
    }

    @Test
    void memoryFactsComeFromTheDevice() {
        try (Model gpu = load("", Backend.CUDA)) {
            gpu.resetPeak();
            Model.Memory before = gpu.memory();
            long bytes = gpu.stateBytes(4, 1 << 16);
            try (ModelState s = gpu.newState(4, 1 << 16)) {
                Model.Memory with = gpu.memory();
                assertTrue(with.peak() >= before.peak() + bytes, "peak " + with.peak() + " after a state of " + bytes + " over " + before.peak());
                // the driver's free memory dropped by about the state (allocation rounding: 2 MiB per buffer at most)
                long drop = before.free() - with.free();
                assertTrue(drop >= bytes - (2L << 20) * 64 && drop <= bytes + (2L << 20) * 64, "free dropped " + drop + " for a state of " + bytes);
                assertTrue(with.total() > with.free(), with.toString());
            }
        }
    }

    /**
     * With all but a little of the device taken by a ballast buffer, the planned chunk rows fit what is left, and a
     * prompt whose activations at once would need more than that runs through. All layers JetBlock: linear in the
     * prompt, so the long prompt this takes (about the margin's worth of rows) runs in seconds.
     */
    @Test
    void prefillRowsPlannedFromFreeMemoryCarryAPromptThatWouldNotFitAtOnce() {
        GpuContext ctx = GpuContext.get();
        try (Model gpu = load("0-5:jet", Backend.CUDA)) {
            Model.PrefillCost cost = gpu.prefillCost();
            System.out.println("prefill cost: " + cost);
            assertTrue(cost.bytesPerRow() > 4L * gpu.config().hiddenSize(), cost.toString());
            int free0 = Prefill.maxRows(gpu);
            assertTrue(free0 > 0 && free0 <= Prefill.DEFAULT_MAX_ROWS, "rows " + free0);
            int batch = 8, chunkRows = 4096;
            long margin = Prefill.margin(gpu.memory().total());
            // enough rows that all at once they need twice what will be left
            long rows = 2 * ((margin + cost.fixedBytes()) / cost.bytesPerRow() + chunkRows);
            int len = (int) ((rows + batch - 1) / batch);
            assumeTrue(len <= 1 << 20, () -> "the prompt would be " + len + " tokens per sequence: too long for a test at " + cost);
            int[] prompt = Tokens.random(batch * len, gpu.config().vocabSize(), 33);
            try (ModelState s = gpu.newState(batch, len + 1)) {
                Model.Memory m = gpu.memory();
                long leave = margin + cost.fixedBytes() + (long) chunkRows * cost.bytesPerRow();
                long ballastBytes = m.free() + m.scratchReserved() - leave;
                assumeTrue(ballastBytes > 0 && ballastBytes < m.free(), () -> "cannot leave " + leave + " bytes: " + m);
                try (DeviceBuffer ballast = ctx.device().alloc(DType.I32, ballastBytes / 4)) {
                    int planned = Prefill.maxRows(gpu);
                    Model.Memory tight = gpu.memory();
                    System.out.printf("ballast %d bytes; %s; planned %d rows; prompt %d x %d%n", ballast.bytes(), tight, planned, batch, len);
                    assertTrue(planned >= 1 && planned < Prefill.DEFAULT_MAX_ROWS, "rows " + planned);
                    assertTrue(cost.fixedBytes() + (long) batch * len * cost.bytesPerRow() > tight.free() + tight.scratchReserved(),
                            "the whole prompt at once must not fit, or the test proves nothing");
                    float[] logits = Prefill.chunked(gpu, prompt, batch, s, planned).data();
                    for (float v : logits) assertTrue(Float.isFinite(v));
                    assertArrayEquals(new int[] {len, len, len, len, len, len, len, len}, s.positions());
                }
            }
        }
    }
}
