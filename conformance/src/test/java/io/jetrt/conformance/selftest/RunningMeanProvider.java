package io.jetrt.conformance.selftest;

import io.jetrt.blocks.common.Init;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The smallest block with a state, to test the kit on: a causal running mean.
 * {@code u_t = W_in x_t}, {@code S_t = S_{t−1} + u_t} (state {@code running_sum [D]}),
 * {@code y_t = W_out (scale ⊙ S_t / (p + 1))} with p the token's absolute position, so a block that loses
 * its state or its position gives other numbers. Each {@link Fault} plants one bug the kit must catch.
 */
public final class RunningMeanProvider implements BlockProvider, TrainableProvider {
    static final String IN = "in_proj.weight", OUT = "out_proj.weight", SCALE = "scale.weight", SUM = "running_sum";

    /** The bug planted; {@link #NONE} is a correct block. */
    public enum Fault {
        NONE,
        /** decode reads a zero sum and writes nothing back. */
        DECODE_IGNORES_STATE,
        /** each row's sum also takes half of the next row's input. */
        LEAKS_ACROSS_ROWS,
        /** prefill never writes the last token of the last row. */
        SKIPS_LAST_OUTPUT,
        /** prefill uses x as scratch. */
        MODIFIES_INPUT,
        /** the sum lives in the block instance; BlockState only gets a copy. */
        STATE_IN_INSTANCE,
        /** the CPU path is off by 1e-3 relative. */
        CPU_DRIFTS,
        /** offers CUDA (emulated on the CPU) off by 1e-3 relative: inside the CUDA tolerance. */
        CUDA_SLIGHTLY_OFF,
        /** offers CUDA off by 5e-2 relative: outside it. */
        CUDA_FAR_OFF,
        /** initWeights leaves out scale.weight. */
        INIT_MISSES_WEIGHT,
        /** initWeights draws from a fixed seed. */
        INIT_IGNORES_SEED,
        /** stateLayout adds a slot that shrinks as capacity grows. */
        LAYOUT_SHRINKS,
        /** stateLayout names running_sum twice. */
        LAYOUT_DUPLICATE_SLOT,
        /** decode throws. */
        THROWS_ON_DECODE,
        /** backward scales scale.weight's gradient by 1.01. */
        GRADIENT_OFF,
        /** forward (training) forgets the position: divides by T instead of p + 1. */
        TRAINING_FORWARD_DIFFERS
    }

    private final Fault fault;

    public RunningMeanProvider(Fault fault) { this.fault = fault; }

    @Override public String type() { return "running-mean"; }

    @Override public String version() { return "0.1.0"; }

    @Override
    public Set<Backend> backends() {
        return fault == Fault.CUDA_SLIGHTLY_OFF || fault == Fault.CUDA_FAR_OFF
                ? EnumSet.allOf(Backend.class) : EnumSet.of(Backend.REFERENCE, Backend.CPU);
    }

    @Override
    public List<WeightDecl> weights(BlockConfig config) {
        int d = config.intParam("hidden_size");
        return List.of(WeightDecl.of(IN, d, d), WeightDecl.of(OUT, d, d), WeightDecl.of(SCALE, d));
    }

    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        int d = config.intParam("hidden_size");
        List<StateSlot> l = new ArrayList<>(List.of(StateSlot.f32(SUM, d)));
        if (fault == Fault.LAYOUT_SHRINKS) l.add(StateSlot.f32("history", Math.max(1, 4096 / capacity)));
        if (fault == Fault.LAYOUT_DUPLICATE_SLOT) l.add(StateSlot.f32(SUM, d));
        return l;
    }

    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        int d = config.intParam("hidden_size");
        double std = config.doubleParam("initializer_range", 0.02);
        Init init = new Init(fault == Fault.INIT_IGNORES_SEED ? 0 : seed);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        w.put(IN, init.normal(std, d, d));
        w.put(OUT, init.normal(std, d, d));
        if (fault != Fault.INIT_MISSES_WEIGHT) w.put(SCALE, Init.ones(d));
        return w;
    }

    @Override public Set<Backend> trainingBackends() { return EnumSet.of(Backend.REFERENCE, Backend.CPU); }

    /** The block's math in float64 from an empty state: {@code y_t = W_out (scale ⊙ Σ_{s≤t} W_in x_s / (t + 1))}. */
    @Override
    public FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        int d = config.intParam("hidden_size"), batch = x.dim(0), steps = x.dim(1);
        float[] win = weights.get(IN).data(), wout = weights.get(OUT).data(), scale = weights.get(SCALE).data();
        float[] y = new float[x.size()];
        for (int b = 0; b < batch; b++) {
            double[] sum = new double[d];
            for (int t = 0; t < steps; t++) {
                int at = (b * steps + t) * d;
                double[] z = new double[d];
                for (int o = 0; o < d; o++) {
                    double u = 0;
                    for (int j = 0; j < d; j++) u += (double) win[o * d + j] * x.data()[at + j];
                    sum[o] += u;
                    z[o] = scale[o] * sum[o] / (fault == Fault.TRAINING_FORWARD_DIFFERS ? steps : t + 1);
                }
                for (int o = 0; o < d; o++) {
                    double acc = 0;
                    for (int j = 0; j < d; j++) acc += wout[o * d + j] * z[j];
                    y[at + o] = (float) acc;
                }
            }
        }
        return new FloatTensor(y, x.shape());
    }

    /**
     * Backward of {@link #forward} for {@code L = Σ dy · y}: {@code dz = W_outᵀ dy}, {@code dW_out = Σ dy zᵀ},
     * {@code dscale = Σ dz ⊙ m}, {@code dS_t = dz ⊙ scale / (t + 1)}, {@code du_s = Σ_{t≥s} dS_t}, {@code dW_in = Σ du xᵀ},
     * {@code dx = W_inᵀ du}, with {@code m_t = S_t / (t + 1)}.
     */
    @Override
    public Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend, BlockServices services) {
        int d = config.intParam("hidden_size"), batch = x.dim(0), steps = x.dim(1);
        float[] win = weights.get(IN).data(), wout = weights.get(OUT).data(), scale = weights.get(SCALE).data();
        double[] gin = new double[d * d], gout = new double[d * d], gscale = new double[d];
        float[] dx = new float[x.size()];
        for (int b = 0; b < batch; b++) {
            double[][] m = new double[steps][d], dS = new double[steps][d];
            double[] sum = new double[d];
            for (int t = 0; t < steps; t++) {
                int at = (b * steps + t) * d;
                for (int o = 0; o < d; o++) {
                    double u = 0;
                    for (int j = 0; j < d; j++) u += (double) win[o * d + j] * x.data()[at + j];
                    sum[o] += u;
                    m[t][o] = sum[o] / (t + 1);
                }
                for (int j = 0; j < d; j++) {
                    double dz = 0;
                    for (int o = 0; o < d; o++) dz += (double) wout[o * d + j] * dy.data()[at + o];
                    gscale[j] += dz * m[t][j];
                    dS[t][j] = dz * scale[j] / (t + 1);
                }
                for (int o = 0; o < d; o++) for (int j = 0; j < d; j++) gout[o * d + j] += dy.data()[at + o] * scale[j] * m[t][j];
            }
            double[] du = new double[d];
            for (int s = steps - 1; s >= 0; s--) {
                int at = (b * steps + s) * d;
                for (int o = 0; o < d; o++) du[o] += dS[s][o];
                for (int o = 0; o < d; o++) for (int j = 0; j < d; j++) gin[o * d + j] += du[o] * x.data()[at + j];
                for (int j = 0; j < d; j++) {
                    double acc = 0;
                    for (int o = 0; o < d; o++) acc += win[o * d + j] * du[o];
                    dx[at + j] = (float) acc;
                }
            }
        }
        double off = fault == Fault.GRADIENT_OFF ? 1.01 : 1.0;
        Map<String, FloatTensor> g = new LinkedHashMap<>();
        g.put(IN, floats(gin, 1.0, d, d));
        g.put(OUT, floats(gout, 1.0, d, d));
        g.put(SCALE, floats(gscale, off, d));
        return Gradients.of(new FloatTensor(dx, x.shape()), g);
    }

    private static FloatTensor floats(double[] v, double factor, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) (v[i] * factor);
        return new FloatTensor(f, shape);
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        if (!backends().contains(backend)) throw new IllegalArgumentException("running-mean: backend " + backend.id() + " is not offered");
        return new RunningMean(config.intParam("hidden_size"), weights.get(IN).data(), weights.get(OUT).data(),
                weights.get(SCALE).data(), backend, services.cpu(), fault);
    }

    /** REFERENCE projects token by token; CPU and the emulated CUDA project the chunk through the GEMM, rows in parallel. */
    private static final class RunningMean implements Block {
        private final int d;
        private final float[] win, wout, scale;
        private final Backend backend;
        private final CpuOps ops;
        private final Fault fault;
        private float[] shadow;

        RunningMean(int d, float[] win, float[] wout, float[] scale, Backend backend, CpuOps ops, Fault fault) {
            this.d = d;
            this.win = win;
            this.wout = wout;
            this.scale = scale;
            this.backend = backend;
            this.ops = ops;
            this.fault = fault;
        }

        @Override public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) { run(x, positions, state, y, false); }

        @Override public void decode(FloatTensor x, int[] positions, BlockState state, FloatTensor y) { run(x, positions, state, y, true); }

        private void run(FloatTensor x, int[] positions, BlockState state, FloatTensor y, boolean decode) {
            if (decode && fault == Fault.THROWS_ON_DECODE) throw new IllegalStateException("running-mean: planted");
            int batch = x.dim(0), steps = x.dim(1);
            float[] u = new float[batch * steps * d];
            if (backend == Backend.REFERENCE) {
                for (int r = 0; r < batch * steps; r++) matvec(win, x.data(), r * d, u, r * d);
            } else {
                ops.linear(x.data(), 0, win, 0, u, 0, batch * steps, d, d);
            }
            if (fault == Fault.MODIFIES_INPUT && !decode) x.data()[x.size() - 1] = 0f;
            float[] sums = state.get(SUM).data();
            if (fault == Fault.STATE_IN_INSTANCE) {
                if (shadow == null) shadow = new float[sums.length];
                sums = shadow;
            }
            float[] s = sums;
            if (backend == Backend.REFERENCE) {
                for (int r = 0; r < batch; r++) row(r, batch, steps, u, positions[r], s, y.data(), decode);
            } else {
                ops.parallelFor(batch, r -> row(r, batch, steps, u, positions[r], s, y.data(), decode));
            }
            if (fault == Fault.STATE_IN_INSTANCE) System.arraycopy(shadow, 0, state.get(SUM).data(), 0, shadow.length);
            float gain = switch (backend) {
                case CPU -> fault == Fault.CPU_DRIFTS ? 1.001f : 1f;
                case CUDA -> fault == Fault.CUDA_FAR_OFF ? 1.05f : 1.001f;
                case REFERENCE -> 1f;
            };
            if (gain != 1f) for (int i = 0; i < y.size(); i++) y.data()[i] *= gain;
        }

        private void row(int r, int batch, int steps, float[] u, int position, float[] sums, float[] y, boolean decode) {
            float[] sum = new float[d], mean = new float[d];
            boolean ignore = decode && fault == Fault.DECODE_IGNORES_STATE;
            if (!ignore) System.arraycopy(sums, r * d, sum, 0, d);
            int next = (r + 1) % batch;
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < d; j++) {
                    sum[j] += u[(r * steps + t) * d + j];
                    if (fault == Fault.LEAKS_ACROSS_ROWS) sum[j] += 0.5f * u[(next * steps + t) * d + j];
                    mean[j] = scale[j] * sum[j] / (position + t + 1);
                }
                if (fault == Fault.SKIPS_LAST_OUTPUT && !decode && r == batch - 1 && t == steps - 1) continue;
                matvec(wout, mean, 0, y, (r * steps + t) * d);
            }
            if (!ignore) System.arraycopy(sum, 0, sums, r * d, d);
        }

        /** {@code out[o] = Σ_j w[o, j] · in[j]}. */
        private void matvec(float[] w, float[] in, int inOff, float[] out, int outOff) {
            for (int o = 0; o < d; o++) {
                float acc = 0f;
                for (int j = 0; j < d; j++) acc += w[o * d + j] * in[inOff + j];
                out[outOff + o] = acc;
            }
        }
    }
}
