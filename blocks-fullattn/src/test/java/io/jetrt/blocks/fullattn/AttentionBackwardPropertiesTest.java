package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.conformance.BlockConformance;
import io.jetrt.conformance.Shape;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float64 backward ({@link AttentionBackward}) against central differences of the float64 forward
 * ({@link AttentionForward64}) along random directions, per weight and for x, at small random sizes: T = 1, 5, 9,
 * windows shorter and longer than T, batch 1 and 2, GQA groups of 2 and 1, with and without q/k/v bias.
 *
 * <p>Error model of the check: the derivative is Richardson-extrapolated from central differences at h and h/2
 * (h = 1e-3), leaving a truncation term O(h⁴) ≈ 1e-12 relative for a loss whose derivatives along a unit-scale
 * direction are O(1), and rounding ≈ 1e-16 · Σ|dy·y| / h ≈ 1e-12 relative at these sizes (|L| within 10³ of the
 * derivatives). The tolerance 1e-7 is 10⁵ above both, and far below what a missing or wrong term gives (≥ 1e-3).
 * Where the derivatives vanish (q and k when a query sees one key) an absolute floor of 10³ times the rounding decides.
 */
class AttentionBackwardPropertiesTest {
    private static final double TOL = 1e-7;
    private static final double H = 1e-3;

    private static BlockConfig config(int hidden, int heads, int kvHeads, int headDim, int window, boolean bias) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_attention_heads", heads);
        p.put("num_key_value_heads", kvHeads);
        p.put("head_dim", headDim);
        p.put("rope_theta", 10000.0);
        p.put("qkv_bias", bias);
        if (window > 0) p.put("sliding_window", window);
        return new BlockConfig("grad test D" + hidden + " H" + heads + "/" + kvHeads + " Dh" + headDim + " window " + window
                + (bias ? "" : " no bias"), p);
    }

    @ParameterizedTest(name = "D={0} H={1}/{2} Dh={3} window={4} bias={5} B={6} T={7}")
    @CsvSource({"16,4,2,6,0,true,1,1", "16,4,2,6,0,true,2,5", "16,4,2,6,0,true,1,9",
                "16,4,2,6,3,true,2,1", "16,4,2,6,3,true,1,5", "16,4,2,6,3,true,2,9", "16,4,2,6,12,true,2,9",
                "12,2,2,4,4,false,2,9", "12,2,2,4,0,false,1,5"})
    void backwardMatchesCentralDifferences(int hidden, int heads, int kvHeads, int headDim, int window, boolean bias, int batch, int steps) {
        BlockConfig config = config(hidden, heads, kvHeads, headDim, window, bias);
        AttentionConfig c = AttentionConfig.from(config, window > 0);
        SplittableRandom rng = new SplittableRandom(1000L * steps + 31L * batch + window);
        Map<String, double[]> w = new LinkedHashMap<>();
        for (WeightDecl d : new AttentionProvider(window > 0, "1.0.0").weights(config)) w.put(d.name(), gaussian(rng, 0.4, size(d.shape())));
        double[] x = gaussian(rng, 1.0, batch * steps * hidden), dy = gaussian(rng, 1.0, batch * steps * hidden);

        AttentionBackward.Result g = AttentionBackward.run(new AttentionForward64(c, w, x, batch, steps), w, dy);
        Map<String, double[]> params = new LinkedHashMap<>(w);
        params.put("x", x);
        Map<String, double[]> grads = new LinkedHashMap<>(g.weights());
        grads.put("x", g.dx());

        // rounding of the differences, absolute: ε · Σ|dy·y| / h, times 10³ (decides only where the derivatives vanish, e.g. q and k at T = 1)
        double floor = 1e3 * Math.ulp(1.0) * sumAbsProducts(dy, new AttentionForward64(c, w, x, batch, steps).y) / H;
        List<String> failures = new ArrayList<>();
        for (String name : params.keySet()) {
            double[] p = params.get(name), grad = grads.get(name);
            double maxErr = 0, maxRef = 0;
            for (int j = 0; j < 3; j++) {
                double[] dir = gaussian(rng, 1.0, p.length);
                double fd = derivative(p, dir, () -> loss(c, w, x, batch, steps, dy));
                maxErr = Math.max(maxErr, Math.abs(dot(grad, dir) - fd));
                maxRef = Math.max(maxRef, Math.abs(fd));
            }
            if (!(maxErr <= TOL * maxRef + floor)) {
                failures.add(String.format(Locale.ROOT, "%s error %.3g, max |ddot| %.3g, rel %.2e", name, maxErr, maxRef, maxErr / maxRef));
            }
        }
        assertTrue(failures.isEmpty(), config.where() + " B=" + batch + " T=" + steps + ": " + failures);
    }

    /** The conformance kit's gradient check (float32 forward differences) through the provider, as a third-party block gets it. */
    @ParameterizedTest(name = "{0} window {1} B={2} T={3}")
    @CsvSource({"REFERENCE,0,1,1", "CPU,0,2,7", "REFERENCE,3,2,7", "CPU,3,1,7"})
    void conformanceKitGradients(Backend backend, int window, int batch, int steps) {
        new BlockConformance(new AttentionProvider(window > 0, "1.0.0"), config(16, 4, 2, 6, window, true), 23)
                .checkGradients(backend, Shape.of(batch, steps));
    }

    /** The window masks: with a window of 1 each query sees only its own key, so o_t = v_t and q, k get no gradient. */
    @Test
    void windowOfOneSeesOnlyItself() {
        BlockConfig config = config(16, 4, 2, 6, 1, true);
        AttentionConfig c = AttentionConfig.from(config, true);
        SplittableRandom rng = new SplittableRandom(5);
        Map<String, double[]> w = new LinkedHashMap<>();
        for (WeightDecl d : new AttentionProvider(true, "1.0.0").weights(config)) w.put(d.name(), gaussian(rng, 0.4, size(d.shape())));
        AttentionBackward.Result g = AttentionBackward.run(new AttentionForward64(c, w, gaussian(rng, 1, 2 * 7 * 16), 2, 7), w,
                gaussian(rng, 1, 2 * 7 * 16));
        for (String name : List.of("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias")) {
            for (double v : g.weights().get(name)) assertTrue(Math.abs(v) < 1e-12, name + " must get no gradient; got " + v);
        }
    }

    @Test
    void trainsOnCudaOnlyWithItsKernelsAndRefusesMisshapenInputs() {
        BlockConfig config = config(16, 4, 2, 6, 0, true);
        AttentionProvider provider = new AttentionProvider(false, "1.0.0");
        assertEquals(AttentionProvider.KERNELS.present(), provider.trainingBackends().contains(Backend.CUDA));
        Map<String, FloatTensor> w = provider.initWeights(config, 3);
        MapWeights weights = new MapWeights("test", w);
        FloatTensor x = FloatTensor.zeros(1, 4, 16);
        IllegalArgumentException dy = assertThrows(IllegalArgumentException.class,
                () -> provider.backward(config, weights, x, FloatTensor.zeros(1, 3, 16), Backend.CPU, PlainCpuOps::new));
        assertTrue(dy.getMessage().contains("dy must be [1, 4, 16] like x; got [1, 3, 16]"), dy.getMessage());
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> provider.forward(config, weights, FloatTensor.zeros(1, 4, 12), Backend.CPU, PlainCpuOps::new));
        assertTrue(wide.getMessage().contains("x must be [B, T, 16]; got [1, 4, 12]"), wide.getMessage());
    }

    private static double loss(AttentionConfig c, Map<String, double[]> w, double[] x, int batch, int steps, double[] dy) {
        return dot(new AttentionForward64(c, w, x, batch, steps).y, dy);
    }

    /**
     * dL/dt of L(p + t·dir) at 0, perturbing {@code p} in place (restored after): central differences at h and h/2,
     * Richardson-extrapolated, {@code (4·D(h/2) − D(h)) / 3}.
     */
    private static double derivative(double[] p, double[] dir, DoubleSupplier loss) {
        double dh = central(p, dir, H, loss), dh2 = central(p, dir, H / 2, loss);
        return (4 * dh2 - dh) / 3;
    }

    private static double central(double[] p, double[] dir, double h, DoubleSupplier loss) {
        double[] saved = p.clone();
        shift(p, dir, h, saved);
        double plus = loss.getAsDouble();
        shift(p, dir, -h, saved);
        double minus = loss.getAsDouble();
        System.arraycopy(saved, 0, p, 0, p.length);
        return (plus - minus) / (2 * h);
    }

    private static void shift(double[] p, double[] dir, double t, double[] base) {
        for (int i = 0; i < p.length; i++) p[i] = base[i] + t * dir[i];
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double sumAbsProducts(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs(a[i] * b[i]);
        return s;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    private static double[] gaussian(SplittableRandom rng, double std, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = std * rng.nextGaussian();
        return a;
    }

}
