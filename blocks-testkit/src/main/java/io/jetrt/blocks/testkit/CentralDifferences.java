package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backward checked against float64 central differences of a float64 forward: along a random direction
 * {@code dir}, {@code dL/dt} of {@code L(base + t·dir)} against {@code Σ G·dir}.
 *
 * <p>Error model. Central differences at h, h/2, h/4 extrapolated (Richardson) in two pairs are off by O(h⁴) plus
 * float64 rounding ~ 1e-16·|L|/h; ten times the gap between the two extrapolations bounds the finer one's error
 * (1e-12 absolute covers rounding where the derivative is zero, e.g. a decay's at T = 1). {@code G} comes back in
 * float32: each term {@code G_i·dir_i} is off by ≤ 2⁻²⁴ of itself, so {@code Σ G·dir} by ≤ 6e-8·Σ|G_i·dir_i|; 1e-6 of
 * that sum leaves a factor 16. A wrong derivative term is off by O(1) of its part, far beyond both.
 */
public final class CentralDifferences {
    /** The coarsest step; weights and inputs are O(1) in these tests. */
    public static final double H = 1e-3;

    private CentralDifferences() {}

    /** {@code L(base + t·dir)} as a function of the perturbed tensor. */
    public interface Loss {
        double at(double[] perturbed);
    }

    /** A block's float64 forward {@code y [B, T, D]} as a function of its weights by name and {@code x [B, T, D]}. */
    public interface Forward64 {
        double[] apply(Map<String, double[]> weights, double[] x, int batch, int tokens);
    }

    /**
     * Draws weights ({@code weight} per declaration), {@code x} and {@code dy} ~ N(0, 1), runs {@code provider}'s backward on
     * the reference backend and checks {@code x}'s and every weight's gradient against central differences of {@code f}.
     */
    public static void checkProvider(String where, TrainableProvider provider, BlockConfig config, List<WeightDecl> declarations,
                                     int hidden, int batch, int tokens, SplittableRandom rng,
                                     BiFunction<SplittableRandom, WeightDecl, float[]> weight, Forward64 f) {
        Map<String, double[]> w = new HashMap<>();
        Map<String, FloatTensor> wf = new LinkedHashMap<>();
        for (WeightDecl d : declarations) {
            float[] v = weight.apply(rng, d);
            wf.put(d.name(), new FloatTensor(v, d.shape()));
            w.put(d.name(), toDouble(v));
        }
        float[] xf = normal(rng, 1, batch * tokens * hidden), dyf = normal(rng, 1, batch * tokens * hidden);
        FloatTensor x = new FloatTensor(xf, new int[] {batch, tokens, hidden}), dy = new FloatTensor(dyf, x.shape());
        Gradients g = provider.backward(config, new MapWeights("finite differences", wf), x, dy, Backend.REFERENCE, PlainCpuOps::new);
        double[] xd = toDouble(xf), dyd = toDouble(dyf);
        check(where, "x", g.input().data(), xd, rng, t -> dot(dyd, f.apply(w, t, batch, tokens)));
        for (WeightDecl d : declarations) {
            check(where, d.name(), g.weight(d.name()).data(), w.get(d.name()), rng, t -> {
                Map<String, double[]> wt = new HashMap<>(w);
                wt.put(d.name(), t);
                return dot(dyd, f.apply(wt, xd, batch, tokens));
            });
        }
    }

    /** Asserts that {@code Σ grad·dir} is {@code dL/dt} along a random {@code dir}, naming {@code where} and {@code name}. */
    public static void check(String where, String name, float[] grad, double[] base, SplittableRandom rng, Loss loss) {
        double[] dir = toDouble(normal(rng, 1, base.length));
        double d1 = central(base, dir, H, loss), d2 = central(base, dir, H / 2, loss), d4 = central(base, dir, H / 4, loss);
        // Richardson: the h² terms cancel; two extrapolations' gap estimates the better one's error
        double coarse = (4 * d2 - d1) / 3, fd = (4 * d4 - d2) / 3;
        double dot = 0, abs = 0;
        for (int i = 0; i < grad.length; i++) {
            dot += grad[i] * dir[i];
            abs += Math.abs(grad[i] * dir[i]);
        }
        double tol = 1e-6 * abs + 10 * Math.abs(coarse - fd) + 1e-12 * (abs + 1);
        assertTrue(Math.abs(dot - fd) <= tol, where + ": d/d" + name + " along a random direction: backward " + dot
                + ", central differences " + fd + " (from h, h/2: " + coarse + "), tolerance " + tol);
    }

    private static double central(double[] base, double[] dir, double h, Loss loss) {
        double[] plus = base.clone(), minus = base.clone();
        for (int i = 0; i < base.length; i++) {
            plus[i] += h * dir[i];
            minus[i] -= h * dir[i];
        }
        return (loss.at(plus) - loss.at(minus)) / (2 * h);
    }

    /** {@code Σ dy·y}. */
    public static double dot(double[] dy, double[] y) {
        double l = 0;
        for (int i = 0; i < y.length; i++) l += dy[i] * y[i];
        return l;
    }

    /** N(0, std²) by Box–Muller from {@code rng}. */
    public static float[] normal(SplittableRandom rng, double std, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    public static float[] uniform(SplittableRandom rng, double lo, double hi, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
