package org.example.jetrt.retention;

import io.jetrt.conformance.BlockConformance;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

import static io.jetrt.conformance.Closeness.assertClose;

/**
 * The recurrence against retention's parallel form, computed here in double from the definition:
 * {@code o_t = Dk^−0.5 Σ_{s≤t} γ^(t−s) (q_t·k_s) v_s} per head, and the final state
 * {@code S = Σ_s γ^(T−1−s) k_s v_sᵀ}. The kit checks that the backends agree with each other; this
 * checks that they compute retention.
 */
class RetentionParallelFormTest {
    private static final int B = 2, T = 40;

    static BlockConfig config() {
        return new BlockConfig("retention test config", Map.of("hidden_size", 20, "num_heads", 3, "head_dim", 6,
                "expand_v", 1.5, "initializer_range", 0.02));
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void recurrenceEqualsParallelForm(Backend backend) {
        RetentionProvider provider = new RetentionProvider();
        RetentionConfig c = RetentionConfig.from(config());
        SplittableRandom rng = new SplittableRandom(3);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (WeightDecl d : provider.weights(config())) w.put(d.name(), uniform(rng, 0.5, d.shape()));
        FloatTensor x = uniform(rng, 1.0, B, T, c.hidden());
        Weights weights = new Weights() {
            @Override public FloatTensor get(String name) { return w.get(name); }
            @Override public boolean has(String name) { return w.containsKey(name); }
        };
        CpuOps ops = new LoopOps();
        BlockServices services = () -> ops;
        Block block = provider.create(config(), weights, backend, services);
        BlockState state = new BlockState(B, provider.stateLayout(config(), T));
        FloatTensor y = FloatTensor.filled(Float.NaN, B, T, c.hidden());
        block.prefill(x, new int[B], state, y);

        double[] yExp = new double[y.size()], sExp = new double[state.get(RetentionProvider.STATE).size()];
        parallelForm(c, w, x, yExp, sExp);
        assertClose(yExp, y.data(), BlockConformance.TOLERANCE, backend + " y [2, 40, 20] against the parallel form");
        assertClose(sExp, state.get(RetentionProvider.STATE).data(), BlockConformance.TOLERANCE,
                backend + " recurrent_state [2, 3, 6, 9] against the parallel form");
    }

    private static void parallelForm(RetentionConfig c, Map<String, FloatTensor> w, FloatTensor x, double[] y, double[] s) {
        int d = c.hidden(), heads = c.heads(), dk = c.dk(), dv = c.dv();
        for (int b = 0; b < B; b++) {
            double[][] q = new double[T][], k = new double[T][], v = new double[T][], g = new double[T][];
            for (int t = 0; t < T; t++) {
                q[t] = project(w.get(RetentionProvider.Q), x, (b * T + t) * d, d);
                k[t] = project(w.get(RetentionProvider.K), x, (b * T + t) * d, d);
                v[t] = project(w.get(RetentionProvider.V), x, (b * T + t) * d, d);
                g[t] = project(w.get(RetentionProvider.G), x, (b * T + t) * d, d);
            }
            for (int t = 0; t < T; t++) {
                double[] u = new double[heads * dv];
                for (int h = 0; h < heads; h++) {
                    double gamma = 1.0 - Math.pow(2.0, -5 - h);
                    double[] o = new double[dv];
                    for (int p = 0; p <= t; p++) {
                        double qk = 0;
                        for (int i = 0; i < dk; i++) qk += q[t][h * dk + i] * k[p][h * dk + i];
                        double coef = Math.pow(gamma, t - p) * qk / Math.sqrt(dk);
                        for (int j = 0; j < dv; j++) o[j] += coef * v[p][h * dv + j];
                    }
                    double ms = 0;
                    for (double oj : o) ms += oj * oj;
                    double inv = 1.0 / Math.sqrt(ms / dv + 1e-6);
                    for (int j = 0; j < dv; j++) {
                        double z = g[t][h * dv + j];
                        u[h * dv + j] = o[j] * inv * z / (1.0 + Math.exp(-z));
                    }
                }
                float[] wo = w.get(RetentionProvider.O).data();
                for (int n = 0; n < d; n++) {
                    double acc = 0;
                    for (int j = 0; j < heads * dv; j++) acc += wo[n * heads * dv + j] * u[j];
                    y[(b * T + t) * d + n] = acc;
                }
            }
            for (int h = 0; h < heads; h++) {
                double gamma = 1.0 - Math.pow(2.0, -5 - h);
                for (int p = 0; p < T; p++) {
                    double decay = Math.pow(gamma, T - 1 - p);
                    for (int i = 0; i < dk; i++) {
                        for (int j = 0; j < dv; j++) s[((b * heads + h) * dk + i) * dv + j] += decay * k[p][h * dk + i] * v[p][h * dv + j];
                    }
                }
            }
        }
    }

    private static double[] project(FloatTensor w, FloatTensor x, int off, int d) {
        int n = w.dim(0);
        double[] out = new double[n];
        for (int o = 0; o < n; o++) {
            for (int j = 0; j < d; j++) out[o] += (double) w.data()[o * d + j] * x.data()[off + j];
        }
        return out;
    }

    private static FloatTensor uniform(SplittableRandom rng, double amp, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) ((rng.nextDouble() * 2 - 1) * amp);
        return t;
    }

    /** The CpuOps contract in loops; the plug-in depends on the SPI only, so it brings its own for tests. */
    private static final class LoopOps implements CpuOps {
        @Override
        public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            for (int r = 0; r < m; r++) {
                for (int o = 0; o < n; o++) {
                    float acc = 0f;
                    for (int j = 0; j < k; j++) acc += x[xOff + r * k + j] * w[wOff + o * k + j];
                    y[yOff + r * n + o] = acc;
                }
            }
        }

        @Override public void parallelFor(int n, IntConsumer body) { IntStream.range(0, n).parallel().forEach(body); }

        @Override public int threads() { return Runtime.getRuntime().availableProcessors(); }
    }
}
