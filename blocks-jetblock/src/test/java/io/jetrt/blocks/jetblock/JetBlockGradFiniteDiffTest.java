package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backward against float64 central differences of the float64 forward, on random small configs and weights:
 * for x and every weight, along a random direction {@code dir}, {@code dL/dt} of {@code L(w + t·dir) = Σ dy·y}
 * against {@code Σ G·dir}.
 *
 * <p>Error model. Central differences at h, h/2, h/4 extrapolated (Richardson) in two pairs are off by O(h⁴) plus
 * float64 rounding ~ 1e-16·|L|/h; ten times the gap between the two extrapolations bounds the finer one's error
 * (1e-12 absolute covers rounding where the derivative is zero, e.g. the decay's at T = 1). {@code G} comes back
 * in float32: each term {@code G_i·dir_i} is off by ≤ 2⁻²⁴ of itself, so {@code Σ G·dir} by ≤ 6e-8·Σ|G_i·dir_i|;
 * 1e-6 of that sum leaves a factor 16. A wrong derivative term is off by O(1) of its part, far beyond both.
 */
class JetBlockGradFiniteDiffTest {
    private static final double H = 1e-3;

    @ParameterizedTest(name = "B={0} T={1} seed={2}")
    @CsvSource({"1, 1, 11", "2, 1, 12", "1, 5, 13", "2, 5, 14", "1, 9, 15", "2, 9, 16", "2, 9, 17", "1, 5, 18", "2, 5, 19", "1, 9, 20"})
    void backwardMatchesCentralDifferences(int batch, int tokens, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BlockConfig config = randomConfig(rng);
        JetBlockConfig c = JetBlockConfig.from(config);
        JetBlockProvider provider = new JetBlockProvider();
        List<WeightDecl> decls = provider.weights(config);
        Map<String, double[]> w = new HashMap<>();
        Map<String, FloatTensor> wf = new LinkedHashMap<>();
        for (WeightDecl d : decls) {
            float[] v = randomWeight(rng, d);
            wf.put(d.name(), new FloatTensor(v, d.shape()));
            w.put(d.name(), toDouble(v));
        }
        int dim = c.hiddenSize();
        float[] xf = normal(rng, 1, batch * tokens * dim), dyf = normal(rng, 1, batch * tokens * dim);
        FloatTensor x = new FloatTensor(xf, new int[]{batch, tokens, dim}), dy = new FloatTensor(dyf, x.shape());
        Gradients g = provider.backward(config, new MapWeights("fd", wf), x, dy, Backend.REFERENCE, PlainCpuOps::new);
        String where = "jet " + config.params() + " B=" + batch + " T=" + tokens;

        double[] xd = toDouble(xf), dyd = toDouble(dyf);
        check(where, "x", g.input().data(), xd, rng, t -> loss(c, w, t, batch, tokens, dyd));
        for (WeightDecl d : decls) {
            double[] base = w.get(d.name());
            check(where, d.name(), g.weight(d.name()).data(), base, rng, t -> {
                Map<String, double[]> wt = new HashMap<>(w);
                wt.put(d.name(), t);
                return loss(c, wt, xd, batch, tokens, dyd);
            });
        }
    }

    /** {@code L(base + t·dir)} as a function of the perturbed tensor. */
    private interface Loss { double at(double[] perturbed); }

    private static void check(String where, String name, float[] grad, double[] base, SplittableRandom rng, Loss loss) {
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

    private static double loss(JetBlockConfig c, Map<String, double[]> w, double[] x, int batch, int tokens, double[] dy) {
        double[] y = new JetBlockGrad(c, w).forward(x, batch, tokens);
        double l = 0;
        for (int i = 0; i < y.length; i++) l += dy[i] * y[i];
        return l;
    }

    /**
     * Small odd sizes; conv widths below 4 too; a generator from 1 hidden unit up to value_dim (reduction 1), and
     * expand_v 1.5 where Dk is even (whole value head dims).
     */
    private static BlockConfig randomConfig(SplittableRandom rng) {
        Map<String, Object> p = new LinkedHashMap<>();
        int dk = 2 + rng.nextInt(4);
        double expandV = switch (rng.nextInt(dk % 2 == 0 ? 3 : 2)) { case 0 -> 1.0; case 1 -> 2.0; default -> 1.5; };
        int heads = 1 + rng.nextInt(3), valueDim = (int) (heads * dk * expandV);
        p.put("hidden_size", 5 + rng.nextInt(8));
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", 2 + rng.nextInt(3));
        p.put("dconv_generator_reduction", 1 + rng.nextInt(valueDim));
        p.put("norm_eps", "1e-5");
        return new BlockConfig("fd", p);
    }

    /**
     * Scales that keep every nonlinearity in its curved range: projections ~ N(0, 1/in) so their outputs are O(1);
     * A_log ∈ (−1, 1), dt_bias ~ N(0, 1) (softplus well below its x > 20 pass-through, where it has a kink);
     * o_norm around 1; the generator's bias b2 ~ N(0, 0.5), so the kernels are O(1) like its weights' part.
     */
    private static float[] randomWeight(SplittableRandom rng, WeightDecl d) {
        int[] s = d.shape();
        int n = 1;
        for (int v : s) n *= v;
        return switch (d.name()) {
            case "A_log" -> uniform(rng, -1, 1, n);
            case "dt_bias" -> normal(rng, 1, n);
            case JetBlockWeights.B2 -> normal(rng, 0.5, n);
            case "o_norm.weight" -> {
                float[] v = normal(rng, 0.3, n);
                for (int i = 0; i < n; i++) v[i] += 1;
                yield v;
            }
            default -> normal(rng, 1 / Math.sqrt(s[s.length - 1]), n);
        };
    }

    private static float[] normal(SplittableRandom rng, double std, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    private static float[] uniform(SplittableRandom rng, double lo, double hi, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
