package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.conformance.Closeness;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast CPU attention against the reference on random inputs at awkward lengths, and the properties
 * a cache must have: chunked prefill equals token-by-token decode, and batch rows are independent.
 */
class AttentionPropertiesTest {
    private static final double TOL = 2e-5;

    /** hidden 48, 6 query heads over 2 KV heads of dim 8; window 0 = full attention. */
    private static BlockConfig config(int window) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", 48);
        p.put("num_attention_heads", 6);
        p.put("num_key_value_heads", 2);
        p.put("head_dim", 8);
        p.put("rope_theta", 10000.0);
        if (window > 0) p.put("sliding_window", window);
        return new BlockConfig("test window " + window, p);
    }

    private static Block block(int window, Backend backend, long seed) {
        AttentionProvider provider = new AttentionProvider(window > 0, "1.0.0");
        BlockConfig c = config(window);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (WeightDecl d : provider.weights(c)) w.put(d.name(), random(rng, 0.3, d.shape()));
        return provider.create(c, new MapWeights("test", w), backend, PlainCpuOps::new);
    }

    private static BlockState state(int window, int batch, int capacity) {
        return new BlockState(batch, new AttentionProvider(window > 0, "1.0.0").stateLayout(config(window), capacity));
    }

    @ParameterizedTest(name = "window {0}, B={1}, T={2}")
    @CsvSource({"0,1,1", "0,3,63", "0,1,65", "0,3,500", "16,1,1", "16,3,63", "16,1,65", "16,3,500", "600,3,500"})
    void cpuEqualsReference(int window, int batch, int steps) {
        FloatTensor x = random(new SplittableRandom(steps * 31L + batch), 1.0, batch, steps, 48);
        FloatTensor yRef = run(block(window, Backend.REFERENCE, 5), window, x, 0, steps);
        FloatTensor yCpu = run(block(window, Backend.CPU, 5), window, x, 0, steps);
        assertClose(yRef, yCpu, "attn window " + window + " cpu vs reference, x " + Arrays.toString(x.shape()));
        BlockState sRef = state(window, batch, steps), sCpu = state(window, batch, steps);
        run(block(window, Backend.REFERENCE, 5), x, sRef, 0);
        run(block(window, Backend.CPU, 5), x, sCpu, 0);
        for (String slot : new String[] {KvCache.KEYS, KvCache.VALUES}) assertClose(sRef.get(slot), sCpu.get(slot), "state " + slot);
    }

    @ParameterizedTest(name = "{0} window {1}")
    @CsvSource({"CPU,0", "CPU,16", "REFERENCE,0", "REFERENCE,16"})
    void chunkedPrefillEqualsTokenByTokenDecode(Backend backend, int window) {
        int batch = 2, steps = 70, split = 33;
        FloatTensor x = random(new SplittableRandom(11), 1.0, batch, steps, 48);
        FloatTensor whole = run(block(window, backend, 9), window, x, 0, steps);
        Block b = block(window, backend, 9);
        BlockState s = state(window, batch, steps);
        FloatTensor first = slice(x, 0, split);
        FloatTensor out = FloatTensor.filled(Float.NaN, batch, steps, 48);
        FloatTensor y1 = FloatTensor.filled(Float.NaN, batch, split, 48);
        b.prefill(first, new int[batch], s, y1);
        put(out, y1, 0);
        for (int t = split; t < steps; t++) {
            FloatTensor yt = FloatTensor.filled(Float.NaN, batch, 1, 48);
            b.decode(slice(x, t, t + 1), new int[] {t, t}, s, yt);
            put(out, yt, t);
        }
        assertClose(whole, out, backend + " window " + window + ": prefill(70) vs prefill(33)+33 decodes");
        Block c = block(window, backend, 9);
        BlockState s2 = state(window, batch, steps);
        FloatTensor out2 = FloatTensor.filled(Float.NaN, batch, steps, 48);
        FloatTensor a = FloatTensor.filled(Float.NaN, batch, split, 48), r = FloatTensor.filled(Float.NaN, batch, steps - split, 48);
        c.prefill(first, new int[batch], s2, a);
        c.prefill(slice(x, split, steps), new int[] {split, split}, s2, r);
        put(out2, a, 0);
        put(out2, r, split);
        assertClose(whole, out2, backend + " window " + window + ": prefill(70) vs prefill(33)+prefill(37)");
    }

    /** Chunks shorter than the window after it has filled: the cache keeps some old rows and takes the chunk's. */
    @ParameterizedTest(name = "{0} window 16, chunks of {1}")
    @CsvSource({"CPU,5", "CPU,7", "REFERENCE,5"})
    void prefillInSmallChunksEqualsOnePrefill(Backend backend, int chunk) {
        int batch = 2, steps = 47, window = 16;
        FloatTensor x = random(new SplittableRandom(21), 1.0, batch, steps, 48);
        BlockState whole = state(window, batch, steps);
        FloatTensor expected = run(block(window, backend, 4), x, whole, 0);
        Block b = block(window, backend, 4);
        BlockState s = state(window, batch, steps);
        FloatTensor out = FloatTensor.filled(Float.NaN, batch, steps, 48);
        for (int t0 = 0; t0 < steps; t0 += chunk) {
            int n = Math.min(chunk, steps - t0);
            FloatTensor y = FloatTensor.filled(Float.NaN, batch, n, 48);
            b.prefill(slice(x, t0, t0 + n), new int[] {t0, t0}, s, y);
            put(out, y, t0);
        }
        assertClose(expected, out, backend + ": prefill(47) vs prefill in chunks of " + chunk);
        for (String slot : new String[] {KvCache.KEYS, KvCache.VALUES}) assertClose(whole.get(slot), s.get(slot), "state " + slot);
    }

    @ParameterizedTest(name = "{0} window {1}")
    @CsvSource({"CPU,0", "CPU,16", "REFERENCE,16"})
    void batchRowsAreIndependent(Backend backend, int window) {
        int steps = 40;
        FloatTensor x = random(new SplittableRandom(3), 1.0, 3, steps, 48);
        FloatTensor all = run(block(window, backend, 2), window, x, 0, steps);
        for (int row = 0; row < 3; row++) {
            FloatTensor xr = new FloatTensor(Arrays.copyOfRange(x.data(), row * steps * 48, (row + 1) * steps * 48), new int[] {1, steps, 48});
            FloatTensor yr = run(block(window, backend, 2), window, xr, 0, steps);
            FloatTensor got = new FloatTensor(Arrays.copyOfRange(all.data(), row * steps * 48, (row + 1) * steps * 48), new int[] {1, steps, 48});
            assertClose(yr, got, backend + " row " + row + " of a batch of 3 vs alone");
        }
    }

    private static FloatTensor run(Block b, int window, FloatTensor x, int pos, int capacity) {
        return run(b, x, state(window, x.dim(0), pos + capacity), pos);
    }

    private static FloatTensor run(Block b, FloatTensor x, BlockState s, int pos) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        int[] p = new int[x.dim(0)];
        Arrays.fill(p, pos);
        b.prefill(x, p, s, y);
        return y;
    }

    static FloatTensor random(SplittableRandom rng, double std, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) ((rng.nextDouble() * 2 - 1) * std * 1.7);
        return t;
    }

    /** {@code x[:, a:b, :]}. */
    static FloatTensor slice(FloatTensor x, int a, int b) {
        int batch = x.dim(0), len = x.dim(1), d = x.dim(2);
        FloatTensor out = FloatTensor.zeros(batch, b - a, d);
        for (int r = 0; r < batch; r++) System.arraycopy(x.data(), (r * len + a) * d, out.data(), r * (b - a) * d, (b - a) * d);
        return out;
    }

    /** Writes {@code part [B, n, D]} into {@code into [B, T, D]} at time {@code at}. */
    static void put(FloatTensor into, FloatTensor part, int at) {
        int batch = into.dim(0), len = into.dim(1), n = part.dim(1), d = into.dim(2);
        for (int r = 0; r < batch; r++) System.arraycopy(part.data(), r * n * d, into.data(), (r * len + at) * d, n * d);
    }

    /** {@link Closeness#assertClose} at this test's tolerance. */
    static void assertClose(FloatTensor expected, FloatTensor got, String what) { Closeness.assertClose(expected, got, TOL, what); }
}
