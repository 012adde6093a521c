package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Shared helpers of the Mamba2 tests: configs, weights with O(1) activations, runs on poisoned outputs, rel. */
final class Mamba2Testing {
    static final Mamba2Provider PROVIDER = new Mamba2Provider();
    static final BlockServices SERVICES = PlainCpuOps::new;

    private Mamba2Testing() {}

    /** A small config; {@code extra} is key, value pairs that override. */
    static BlockConfig config(int hidden, int headDim, int stateSize, int groups, Object... extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hidden_size", hidden);
        m.put("expand", 2);
        m.put("head_dim", headDim);
        m.put("state_size", stateSize);
        m.put("n_groups", groups);
        m.put("conv_kernel", 4);
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        return new BlockConfig("test mamba2 D=" + hidden + " P=" + headDim + " N=" + stateSize + " G=" + groups, m);
    }

    /**
     * Weights drawn so that every path matters: projections scaled to O(1) outputs, conv taps and biases
     * non-trivial, D and norm weights away from 1, dt from about 0.02 to 7, and head 0 past the softplus
     * threshold (dt_raw + dt_bias > 20).
     */
    static Map<String, FloatTensor> weights(BlockConfig cfg, long seed) {
        Mamba2Config c = Mamba2Config.from(cfg);
        Init r = new Init(seed);
        Map<String, FloatTensor> w = new LinkedHashMap<>(PROVIDER.initWeights(cfg, seed));
        w.put("in_proj.weight", r.normal(1 / Math.sqrt(c.hidden()), c.inProjRows(), c.hidden()));
        w.put("out_proj.weight", r.normal(1 / Math.sqrt(c.dInner()), c.hidden(), c.dInner()));
        w.put("conv1d.weight", r.normal(0.5, c.convDim(), 1, c.convKernel()));
        for (String b : new String[] {"conv1d.bias", "in_proj.bias", "out_proj.bias"}) {
            if (w.containsKey(b)) w.put(b, r.normal(0.2, w.get(b).shape()));
        }
        w.put("D", r.uniform(0.5, 1.5, w.get("D").shape()));
        if (c.rmsnorm()) w.put("norm.weight", r.uniform(0.5, 1.5, c.dInner()));
        FloatTensor dtBias = r.uniform(-4, 2, c.heads());
        if (c.heads() > 1) dtBias.data()[0] = 30f;
        w.put("dt_bias", dtBias);
        return w;
    }

    static Block create(BlockConfig cfg, Map<String, FloatTensor> w, io.jetrt.spi.Backend backend) {
        return create(cfg, w, backend, SERVICES);
    }

    static Block create(BlockConfig cfg, Map<String, FloatTensor> w, io.jetrt.spi.Backend backend, BlockServices services) {
        return PROVIDER.create(cfg, new MapWeights(cfg.where(), w), backend, services);
    }

    /**
     * {@link CpuOps} whose linear rounds as the CUDA path's bf16 projections do ({@code GpuOps.linear} with a
     * BF16 weight): x and w rounded to bfloat16, round to nearest even (the device's conversion of x and the
     * weight upload, {@link DType#toBf16}), the products (exact in float) summed in double, one rounding to
     * float. A CPU block on these ops differs from the CUDA one only by fp32 summation order and libm ulps.
     */
    static final class Bf16GemmOps implements CpuOps {
        @Override
        public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            float[] xb = bf16(x, xOff, m * k), wb = bf16(w, wOff, n * k);
            IntStream.range(0, m).parallel().forEach(r -> {
                for (int o = 0; o < n; o++) {
                    double acc = 0;
                    for (int j = 0; j < k; j++) acc += xb[r * k + j] * wb[o * k + j];
                    y[yOff + r * n + o] = (float) acc;
                }
            });
        }

        private static float[] bf16(float[] a, int off, int len) {
            float[] out = new float[len];
            for (int i = 0; i < len; i++) out[i] = DType.fromBf16(DType.toBf16(a[off + i]));
            return out;
        }

        @Override
        public void parallelFor(int n, IntConsumer body) { IntStream.range(0, n).parallel().forEach(body); }

        @Override
        public int threads() { return Runtime.getRuntime().availableProcessors(); }
    }

    /** A state of batch {@code batch}: zero, or random as if the sequences had seen tokens before. */
    static BlockState state(BlockConfig cfg, int batch, long seed) {
        BlockState s = new BlockState(batch, PROVIDER.stateLayout(cfg, 0));
        if (seed != 0) {
            Init r = new Init(seed);
            for (FloatTensor t : s.tensors().values()) {
                System.arraycopy(r.normal(0.5, t.shape()).data(), 0, t.data(), 0, t.size());
            }
        }
        return s;
    }

    static BlockState copy(BlockState s) {
        BlockState c = new BlockState(s.batch(), s.layout());
        for (var e : s.tensors().entrySet()) System.arraycopy(e.getValue().data(), 0, c.get(e.getKey()).data(), 0, e.getValue().size());
        return c;
    }

    /** Runs a prefill on an output poisoned with NaN, so that an element left unwritten fails the comparison. */
    static FloatTensor prefill(Block b, FloatTensor x, int position, BlockState s) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        int[] pos = new int[x.dim(0)];
        Arrays.fill(pos, position);
        b.prefill(x, pos, s, y);
        return y;
    }

    static FloatTensor decode(Block b, FloatTensor x, int position, BlockState s) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        int[] pos = new int[x.dim(0)];
        Arrays.fill(pos, position);
        b.decode(x, pos, s, y);
        return y;
    }

    /** Tokens {@code [from, to)} of {@code x [B, T, D]}. */
    static FloatTensor slice(FloatTensor x, int from, int to) {
        int batch = x.dim(0), t = x.dim(1), d = x.dim(2);
        FloatTensor out = FloatTensor.zeros(batch, to - from, d);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(x.data(), (b * t + from) * d, out.data(), b * (to - from) * d, (to - from) * d);
        }
        return out;
    }

    /** Batch row {@code b} of a tensor {@code [B, ...]}, as {@code [1, ...]}. */
    static FloatTensor row(FloatTensor x, int b) {
        int per = x.size() / x.dim(0);
        int[] shape = x.shape();
        shape[0] = 1;
        return new FloatTensor(Arrays.copyOfRange(x.data(), b * per, (b + 1) * per), shape);
    }
}
