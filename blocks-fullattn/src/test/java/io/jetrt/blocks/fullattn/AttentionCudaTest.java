package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.conformance.BlockConformance;
import io.jetrt.conformance.Closeness;
import io.jetrt.conformance.Shape;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.verify.BlockVerifier;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.jetrt.blocks.fullattn.AttentionPropertiesTest.put;
import static io.jetrt.blocks.fullattn.AttentionPropertiesTest.random;
import static io.jetrt.blocks.fullattn.AttentionPropertiesTest.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend (src/main/cuda/attention.cu) against the CPU path within the bf16 tolerance
 * {@link BlockConformance#CUDA_TOLERANCE}: the golden files (full and sliding window), the conformance kit's
 * backend agreement at T = 1, 63, 65, 500 and batch 1 and 3 (outputs poisoned with NaN, states compared and
 * handed over both ways), prefill in chunks shorter than the window, and batch-3 decode with a different
 * position per sequence from a random cache. Skipped, with the reason, without a GPU.
 *
 * <p>Configs: {@code SMALL} is AttentionPropertiesTest's (Dh 8: lanes 8..31 own no channel, group 3);
 * {@code WIDE} has Jet-Nemotron's head dim 128 (4 channels per lane) and group 6; {@code HUGE} Dh 160
 * (the Dh > 128 form: key tiles of 16, 2 warps, a partial last channel) with group 1 and no bias.
 */
class AttentionCudaTest {
    private static final double TOL = BlockConformance.CUDA_TOLERANCE;

    private static BlockConfig config(String name, int hidden, int heads, int kvHeads, int headDim, int window, boolean bias) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_attention_heads", heads);
        p.put("num_key_value_heads", kvHeads);
        p.put("head_dim", headDim);
        p.put("rope_theta", 10000.0);
        p.put("qkv_bias", bias);
        if (window > 0) p.put("sliding_window", window);
        return new BlockConfig(name + " window " + window, p);
    }

    static BlockConfig small(int window) { return config("small", 48, 6, 2, 8, window, true); }

    static BlockConfig wide(int window) { return config("wide", 96, 12, 2, 128, window, true); }

    static BlockConfig huge(int window) { return config("huge", 64, 2, 2, 160, window, false); }

    private static void assumeGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
        // a GPU but no kernels in the bundle would make every comparison vacuous: fail instead
        assertTrue(new AttentionProvider(false, "1.0.0").backends().contains(Backend.CUDA),
                () -> "attention kernels missing: " + AttentionProvider.KERNELS.missingReason());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"attention.safetensors,false", "swa_attention.safetensors,true"})
    void matchesTheGoldenFileOnCuda(String file, boolean sliding) {
        assumeGpu();
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        VerifyReport r = BlockVerifier.verify(Path.of(dir, "blocks", file), new AttentionProvider(sliding, "1.0.0"),
                List.of(Backend.CUDA), new PlainCpuOps());
        assertTrue(r.passed(), r.format());
        // declarations, then io.y, io.y_next and both cache slots after prefill and after decode
        assertEquals(1 + 6, r.checks().size(), r.format());
    }

    static Stream<Arguments> agreement() {
        List<Arguments> a = new ArrayList<>();
        List<BlockConfig> configs = List.of(small(0), small(16), small(600), wide(0), wide(48), huge(0), huge(20));
        for (BlockConfig c : configs) {
            for (int b : new int[] {1, 3}) {
                for (int t : new int[] {1, 63, 65, 500}) a.add(Arguments.of(c, Shape.of(b, t)));
            }
        }
        return a.stream();
    }

    /**
     * The kit's agreement check: prefill then decode, outputs (NaN-poisoned) and states, states handed over both
     * ways. {@code huge} runs with weight noise 0.15 instead of 0.3: at Dh 160 over D 64 the scores then have a
     * std near 6 and bf16 rounding of the projections alone moved the softmax by 2-5e-2 (measured on an H100,
     * while the same kernels agree within 1e-3 with float32 weights, {@link #float32WeightsAgreeClosely}).
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("agreement")
    void cudaAgreesWithCpu(BlockConfig config, Shape shape) {
        assumeGpu();
        AttentionProvider provider = new AttentionProvider(config.has("sliding_window"), "1.0.0");
        double noise = config.intParam("head_dim") > 128 ? 0.15 : BlockConformance.DEFAULT_WEIGHT_NOISE;
        try (GpuBlockServices gpu = GpuBlockServices.open("attention cuda test")) {
            int pairs = new BlockConformance(provider, config, 17).withCudaAvailable(true).withServices(gpu).withWeightNoise(noise)
                    .checkBackendsAgree(shape);
            assertEquals(2, pairs, "reference-cpu and cpu-cuda must both be compared for " + config.where() + " " + shape);
        }
    }

    static Stream<Arguments> exactness() {
        List<Arguments> a = new ArrayList<>();
        for (BlockConfig c : List.of(small(0), small(16), small(600), wide(0), wide(48), huge(0), huge(20))) {
            for (int t : new int[] {1, 65, 500}) a.add(Arguments.of(c, t));
        }
        return a.stream();
    }

    /**
     * The kernels alone: with float32 projection matrices (no bf16 rounding) and the fp32 kernels (prefill kernel 1, decode
     * kernel 2 or 1), CUDA equals the CPU within 1e-3,
     * batch 3, prefill of T then two decodes, outputs (NaN-poisoned) and states after each call.
     */
    @ParameterizedTest(name = "{0}, T={1}")
    @MethodSource("exactness")
    void float32WeightsAgreeClosely(BlockConfig c, int steps) {
        assumeGpu();
        int batch = 3, d = c.intParam("hidden_size");
        AttentionConfig ac = AttentionConfig.from(c, c.has("sliding_window"));
        Map<String, FloatTensor> w = weights(c);
        try (GpuBlockServices gpu = GpuBlockServices.open("attention cuda test")) {
            Block cpu = new AttentionProvider(c.has("sliding_window"), "1.0.0").create(c, new MapWeights("test", w), Backend.CPU, cpuServices());
            // fp32 throughout (the fp16 tensor-core kernels are held to kernel 1 by prefillKernel2EqualsKernel1 and
            // decodeKernel3EqualsKernel1)
            Block cuda = new AttentionCuda(ac, new MapWeights("test", w), gpu.gpu(), AttentionProvider.KERNELS.bytes(), DType.F32, true);
            BlockState sCpu = state(c, batch, steps + 2), sGpu = state(c, batch, steps + 2);
            FloatTensor x = random(new SplittableRandom(steps), 1.0, batch, steps, d);
            String what = c.where() + ", f32 weights, B=3 T=" + steps;
            Closeness.assertClose(prefill(cpu, x, sCpu, new int[batch]), prefill(cuda, x, sGpu, new int[batch]), 1e-3, what + ": prefill y");
            assertStates(sCpu, sGpu, what + ": prefill", 1e-3);
            for (int step = 0; step < 2; step++) {
                int[] pos = new int[batch];
                Arrays.fill(pos, steps + step);
                FloatTensor xs = random(new SplittableRandom(70 + step), 1.0, batch, 1, d);
                FloatTensor yCpu = FloatTensor.filled(Float.NaN, batch, 1, d), yGpu = FloatTensor.filled(Float.NaN, batch, 1, d);
                cpu.decode(xs, pos, sCpu, yCpu);
                cuda.decode(xs, pos, sGpu, yGpu);
                Closeness.assertClose(yCpu, yGpu, 1e-3, what + ": decode at " + pos[0] + ": y");
                assertStates(sCpu, sGpu, what + ": decode at " + pos[0], 1e-3);
            }
        }
    }

    static Stream<Arguments> kernel2Cases() {
        List<Arguments> a = new ArrayList<>();
        for (int dh : new int[] {8, 64, 128, 160}) {
            for (int window : new int[] {0, 48, 600}) {
                for (int t : new int[] {1, 63, 65, 500}) a.add(Arguments.of(dh, window, t, 1.0));
            }
        }
        for (int window : new int[] {0, 48}) {
            for (int t : new int[] {65, 500}) a.add(Arguments.of(128, window, t, 2.5));
        }
        return a.stream();
    }

    /**
     * attention_prefill_kernel2 (tensor cores) against kernel1 (fp32) on the same device inputs: batch 3 at positions
     * 0, 37 and 300 (an empty cache, a partial window, a full one; random cache rows, so a wrong row shows), 6 query
     * heads over 2 KV heads, q/k/v of std {@code sigma}, the output poisoned with NaN before each kernel.
     *
     * <p>Tolerance (max abs error / max |kernel1|): kernel 2 rounds q·scale, k, v and p to fp16 (unit roundoff
     * u = 2^-11 = 4.9e-4) and accumulates in fp32. A score s = Σ q_i k_i / √Dh then moves by about
     * u·√2·σ_s (σ_s = σ² its spread), p = e^(s - m) by as much relatively, and o = Σ p v / Σ p by that times |v|
     * plus u·|v| from v and p. At σ = 1 that is ~1e-3 of |v|; the bound 5e-3 leaves room for the tails of
     * 10^5..10^6 outputs. At σ = 2.5 (scores spread like the conformance configs', σ_s ≈ 6) the bound is 1.5e-2.
     */
    @ParameterizedTest(name = "Dh {0}, window {1}, T={2}, sigma {3}")
    @MethodSource("kernel2Cases")
    void prefillKernel2EqualsKernel1(int dh, int window, int steps, double sigma) {
        assumeGpu();
        int batch = 3, heads = 6, kvHeads = 2;
        int[] start = {0, 37, 300};
        BlockConfig c = config("kernel2", 64, heads, kvHeads, dh, window, false);
        AttentionConfig ac = AttentionConfig.from(c, window > 0);
        int len = window > 0 ? window : 300 + steps;
        SplittableRandom rng = new SplittableRandom(1000L * dh + 10L * steps + window);
        try (GpuBlockServices services = GpuBlockServices.open("attention cuda test")) {
            var gpu = services.gpu();
            AttentionCuda block = new AttentionCuda(ac, new MapWeights("test", weights(c)), gpu, AttentionProvider.KERNELS.bytes(), DType.F32);
            var q = gpu.upload(random(rng, sigma, batch * steps, heads * dh), DType.F32);
            var kn = gpu.upload(random(rng, sigma, batch * steps, kvHeads * dh), DType.F32);
            var vn = gpu.upload(random(rng, 1.0, batch * steps, kvHeads * dh), DType.F32);
            var kc = gpu.upload(random(rng, sigma, batch, kvHeads, len, dh), DType.F32);
            var vc = gpu.upload(random(rng, 1.0, batch, kvHeads, len, dh), DType.F32);
            var positions = gpu.upload(start.clone());
            FloatTensor[] o = new FloatTensor[3];
            for (int version = 1; version <= 2; version++) {
                var out = gpu.upload(FloatTensor.filled(Float.NaN, batch * steps, heads * dh), DType.F32);
                block.attend(version, out, q, kc, vc, kn, vn, positions, batch, steps);
                o[version] = gpu.download(out);
            }
            double tol = sigma > 1 ? 1.5e-2 : 5e-3;
            String what = "kernel2 vs kernel1, Dh " + dh + ", window " + window + ", T " + steps + ", sigma " + sigma;
            Closeness.Diff d = Closeness.diff(o[1].data(), o[2].data());
            System.out.printf(java.util.Locale.ROOT, "%s: relative error %.3g (max abs %.3g, max ref %.3g)%n", what, d.rel(), d.maxAbs(), d.maxRef());
            Closeness.assertClose(o[1], o[2], tol, what);
        }
    }

    static Stream<Arguments> decodeCases() {
        List<Arguments> a = new ArrayList<>();
        for (int dh : new int[] {8, 64, 128, 160}) {
            for (int window : new int[] {0, 48, 600}) a.add(Arguments.of(dh, window, 6, 2));
        }
        // groups of 12 (two blocks of 8 query heads: one full, one of 4) and of 1
        for (int window : new int[] {0, 48}) {
            a.add(Arguments.of(128, window, 24, 2));
            a.add(Arguments.of(64, window, 4, 4));
        }
        return a.stream();
    }

    /**
     * attention_decode_kernel2 against kernel1 (both fp32, then the same combine) on the same device inputs: batch 3
     * at positions 0, 37 and 300 (an empty cache; a partial window; a full window, or a long full-attention context
     * in a cache of 400 rows whose rows past the position are random, so reading one shows), q/k/v of std 1.5,
     * the output poisoned with NaN before each. Only the summation order differs: tolerance 1e-4 of the output's scale.
     */
    @ParameterizedTest(name = "Dh {0}, window {1}, {2} heads over {3}")
    @MethodSource("decodeCases")
    void decodeKernel2EqualsKernel1(int dh, int window, int heads, int kvHeads) {
        assumeGpu();
        int batch = 3;
        int[] start = {0, 37, 300};
        BlockConfig c = config("decode2", 64, heads, kvHeads, dh, window, false);
        AttentionConfig ac = AttentionConfig.from(c, window > 0);
        int len = window > 0 ? window : 400;
        SplittableRandom rng = new SplittableRandom(7000L * dh + 31L * heads + window);
        try (GpuBlockServices services = GpuBlockServices.open("attention cuda test")) {
            var gpu = services.gpu();
            AttentionCuda block = new AttentionCuda(ac, new MapWeights("test", weights(c)), gpu, AttentionProvider.KERNELS.bytes(), DType.F32);
            assertEquals(dh <= 128 ? 3 : 2, block.decodeVersion(), "Dh " + dh + " runs decode kernel" + (dh <= 128 ? 3 : 2));
            var q = gpu.upload(random(rng, 1.5, batch, heads * dh), DType.F32);
            var kn = gpu.upload(random(rng, 1.5, batch, kvHeads * dh), DType.F32);
            var vn = gpu.upload(random(rng, 1.0, batch, kvHeads * dh), DType.F32);
            var kc = gpu.upload(random(rng, 1.5, batch, kvHeads, len, dh), DType.F32);
            var vc = gpu.upload(random(rng, 1.0, batch, kvHeads, len, dh), DType.F32);
            var positions = gpu.upload(start.clone());
            FloatTensor[] o = new FloatTensor[3];
            for (int version = 1; version <= 2; version++) {
                var out = gpu.upload(FloatTensor.filled(Float.NaN, batch, heads * dh), DType.F32);
                block.attendDecode(version, out, q, kc, vc, kn, vn, positions, batch);
                o[version] = gpu.download(out);
            }
            String what = "decode kernel2 vs kernel1, Dh " + dh + ", window " + window + ", " + heads + "/" + kvHeads + " heads, splits "
                    + block.splits(batch, len) + " / " + block.splits2(batch, len);
            System.out.printf(java.util.Locale.ROOT, "%s: relative error %.3g%n", what, Closeness.diff(o[1].data(), o[2].data()).rel());
            Closeness.assertClose(o[1], o[2], 1e-4, what);
        }
    }

    static Stream<Arguments> decode3Cases() {
        List<Arguments> a = new ArrayList<>();
        // Dh 36 and 100: channels past Dh padded to the next 16 (zero K and V columns)
        for (int dh : new int[] {8, 36, 64, 100, 128}) {
            for (int window : new int[] {0, 48, 600}) a.add(Arguments.of(dh, window, 6, 2));
        }
        // groups of 12 (one block of 16 rows, 4 of them padding), of 1, and of 20 (a full block of 16, then one of 4)
        for (int window : new int[] {0, 48}) {
            a.add(Arguments.of(128, window, 24, 2));
            a.add(Arguments.of(64, window, 4, 4));
            a.add(Arguments.of(64, window, 40, 2));
        }
        return a.stream();
    }

    /**
     * attention_decode_kernel3 (tensor cores) against kernel1 (fp32), then the same combine, on the same device inputs
     * as decodeKernel2EqualsKernel1 (batch 3 at positions 0, 37 and 300; q/k of std 1.5, v of std 1; NaN-poisoned
     * outputs), at the split count the block picks and at 1 and 3 splits, so one block walks many key tiles and a tile
     * ends inside a split. The cache is 1000 rows for full attention, so position 300 reads 5 tiles in one split.
     *
     * <p>Tolerance, the prefill kernel2's error model (prefillKernel2EqualsKernel1): q·scale, k, v and p rounded to fp16
     * (u = 2^-11) with fp32 accumulation move a score by about u·√2·σ_s (σ_s = σ² = 2.25) and o by that times |v| plus
     * u·|v|: 2.05e-3 of the output's scale; 1e-2 leaves the prefill test's factor of ~4 for the tails.
     */
    @ParameterizedTest(name = "Dh {0}, window {1}, {2} heads over {3}")
    @MethodSource("decode3Cases")
    void decodeKernel3EqualsKernel1(int dh, int window, int heads, int kvHeads) {
        assumeGpu();
        int batch = 3;
        int[] start = {0, 37, 300};
        BlockConfig c = config("decode3", 64, heads, kvHeads, dh, window, false);
        AttentionConfig ac = AttentionConfig.from(c, window > 0);
        int len = window > 0 ? window : 1000;
        SplittableRandom rng = new SplittableRandom(9000L * dh + 31L * heads + window);
        try (GpuBlockServices services = GpuBlockServices.open("attention cuda test")) {
            var gpu = services.gpu();
            AttentionCuda block = new AttentionCuda(ac, new MapWeights("test", weights(c)), gpu, AttentionProvider.KERNELS.bytes(), DType.F32);
            assertEquals(3, block.decodeVersion(), "Dh " + dh + " runs decode kernel3");
            var q = gpu.upload(random(rng, 1.5, batch, heads * dh), DType.F32);
            var kn = gpu.upload(random(rng, 1.5, batch, kvHeads * dh), DType.F32);
            var vn = gpu.upload(random(rng, 1.0, batch, kvHeads * dh), DType.F32);
            var kc = gpu.upload(random(rng, 1.5, batch, kvHeads, len, dh), DType.F32);
            var vc = gpu.upload(random(rng, 1.0, batch, kvHeads, len, dh), DType.F32);
            var positions = gpu.upload(start.clone());
            var out = gpu.upload(FloatTensor.filled(Float.NaN, batch, heads * dh), DType.F32);
            block.attendDecode(1, out, q, kc, vc, kn, vn, positions, batch);
            FloatTensor reference = gpu.download(out);
            for (int splits : new int[] {block.splits3(batch, len), 1, 3}) {
                out = gpu.upload(FloatTensor.filled(Float.NaN, batch, heads * dh), DType.F32);
                block.attendDecode(3, splits, out, q, kc, vc, kn, vn, positions, batch);
                String what = "decode kernel3 vs kernel1, Dh " + dh + ", window " + window + ", " + heads + "/" + kvHeads + " heads, splits " + splits;
                FloatTensor o3 = gpu.download(out);
                System.out.printf(java.util.Locale.ROOT, "%s: relative error %.3g%n", what, Closeness.diff(reference.data(), o3.data()).rel());
                Closeness.assertClose(reference, o3, 1e-2, what);
            }
        }
    }

    /** Chunks shorter than the window after it has filled (the window kernel keeps old rows and takes the chunk's), and longer. */
    @ParameterizedTest(name = "window 16, chunks of {0}")
    @CsvSource({"5", "7", "16", "23"})
    void cudaPrefillInChunksEqualsCpuPrefill(int chunk) {
        assumeGpu();
        BlockConfig c = small(16);
        int batch = 2, steps = 47;
        FloatTensor x = random(new SplittableRandom(21), 1.0, batch, steps, 48);
        BlockState whole = state(c, batch, steps);
        FloatTensor expected = prefill(block(c, Backend.CPU, cpuServices()), x, whole, new int[batch]);
        try (GpuBlockServices gpu = GpuBlockServices.open("attention cuda test")) {
            Block b = block(c, Backend.CUDA, gpu);
            BlockState s = state(c, batch, steps);
            FloatTensor out = FloatTensor.filled(Float.NaN, batch, steps, 48);
            for (int t0 = 0; t0 < steps; t0 += chunk) {
                int n = Math.min(chunk, steps - t0);
                put(out, prefill(b, slice(x, t0, t0 + n), s, new int[] {t0, t0}), t0);
            }
            assertClose(expected, out, "cuda prefill in chunks of " + chunk + " vs cpu prefill(47): y");
            for (String slot : new String[] {KvCache.KEYS, KvCache.VALUES}) {
                assertClose(whole.get(slot), s.get(slot), "cuda prefill in chunks of " + chunk + " vs cpu: state " + slot);
            }
        }
    }

    static Stream<Arguments> positionsPerSequence() {
        return Stream.of(Arguments.of(small(0)), Arguments.of(small(16)), Arguments.of(wide(0)), Arguments.of(wide(48)),
                Arguments.of(huge(0)), Arguments.of(huge(20)));
    }

    /**
     * Batch 3 from a random cache, each sequence at its own position (0, one past the window, deep into the
     * cache): a prefill of 7 tokens, then 3 decode steps, CUDA vs CPU, outputs and states after every call.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("positionsPerSequence")
    void decodeWithAPositionPerSequence(BlockConfig c) {
        assumeGpu();
        int batch = 3, capacity = 300, d = c.intParam("hidden_size");
        int[] start = {0, 17, 250};
        BlockState sCpu = state(c, batch, capacity), sGpu = state(c, batch, capacity);
        SplittableRandom rng = new SplittableRandom(99);
        for (String slot : new String[] {KvCache.KEYS, KvCache.VALUES}) {
            FloatTensor r = random(rng, 1.0, sCpu.get(slot).shape());
            System.arraycopy(r.data(), 0, sCpu.get(slot).data(), 0, r.size());
            System.arraycopy(r.data(), 0, sGpu.get(slot).data(), 0, r.size());
        }
        try (GpuBlockServices gpu = GpuBlockServices.open("attention cuda test")) {
            Block cpu = block(c, Backend.CPU, cpuServices()), cuda = block(c, Backend.CUDA, gpu);
            FloatTensor x = random(new SplittableRandom(5), 1.0, batch, 7, d);
            assertClose(prefill(cpu, x, sCpu, start), prefill(cuda, x, sGpu, start), c.where() + ": prefill(7) at " + Arrays.toString(start) + ": y");
            assertStates(sCpu, sGpu, c.where() + ": prefill(7) at " + Arrays.toString(start));
            for (int step = 0; step < 3; step++) {
                int[] pos = new int[batch];
                for (int b = 0; b < batch; b++) pos[b] = start[b] + 7 + step;
                FloatTensor xs = random(new SplittableRandom(40 + step), 1.0, batch, 1, d);
                FloatTensor yCpu = FloatTensor.filled(Float.NaN, batch, 1, d), yGpu = FloatTensor.filled(Float.NaN, batch, 1, d);
                cpu.decode(xs, pos, sCpu, yCpu);
                cuda.decode(xs, pos, sGpu, yGpu);
                assertClose(yCpu, yGpu, c.where() + ": decode at " + Arrays.toString(pos) + ": y");
                assertStates(sCpu, sGpu, c.where() + ": decode at " + Arrays.toString(pos));
            }
        }
    }

    private static BlockServices cpuServices() {
        PlainCpuOps ops = new PlainCpuOps();
        return () -> ops;
    }

    private static Map<String, FloatTensor> weights(BlockConfig c) {
        AttentionProvider provider = new AttentionProvider(c.has("sliding_window"), "1.0.0");
        SplittableRandom rng = new SplittableRandom(7);
        // Dh 160: a smaller gain keeps the scores where bf16 projections stay within 2e-2 (see cudaAgreesWithCpu)
        double std = c.intParam("head_dim") > 128 ? 0.15 : 0.3;
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (WeightDecl d : provider.weights(c)) w.put(d.name(), random(rng, std, d.shape()));
        return w;
    }

    private static Block block(BlockConfig c, Backend backend, BlockServices services) {
        AttentionProvider provider = new AttentionProvider(c.has("sliding_window"), "1.0.0");
        return provider.create(c, new MapWeights("test", weights(c)), backend, services);
    }

    private static BlockState state(BlockConfig c, int batch, int capacity) {
        return new BlockState(batch, new AttentionProvider(c.has("sliding_window"), "1.0.0").stateLayout(c, capacity));
    }

    private static FloatTensor prefill(Block b, FloatTensor x, BlockState s, int[] positions) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        b.prefill(x, positions.clone(), s, y);
        return y;
    }

    private static void assertStates(BlockState expected, BlockState got, String what) { assertStates(expected, got, what, TOL); }

    private static void assertStates(BlockState expected, BlockState got, String what, double tol) {
        for (String slot : new String[] {KvCache.KEYS, KvCache.VALUES}) Closeness.assertClose(expected.get(slot), got.get(slot), tol, what + ": state " + slot);
    }

    /** At the CUDA tolerance. */
    private static void assertClose(FloatTensor expected, FloatTensor got, String what) { Closeness.assertClose(expected, got, TOL, what); }
}
