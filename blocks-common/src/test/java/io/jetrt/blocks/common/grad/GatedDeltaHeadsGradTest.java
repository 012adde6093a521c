package io.jetrt.blocks.common.grad;

import io.jetrt.blocks.common.GatedDeltaHeads;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heads' float64 forward against the float32 spec ({@link GatedDeltaHeads#referenceToken}), and their backward
 * against central differences: what JetBlock and gated DeltaNet share after their front ends.
 */
class GatedDeltaHeadsGradTest {
    private static final int HEADS = 2, DK = 3, DV = 5;
    private static final double EPS = 1e-5;

    @ParameterizedTest(name = "B={0} T={1} betaScale={2}")
    @CsvSource({"1, 1, 1", "2, 5, 1", "1, 9, 2", "2, 7, 2"})
    void forwardIsTheFloat32SpecAndBackwardItsDerivative(int batch, int tokens, int betaScale) {
        SplittableRandom rng = new SplittableRandom(batch * 100L + tokens * 10L + betaScale);
        int rows = batch * tokens;
        double[] aLog = uniform(rng, HEADS, -1, 1), dtBias = uniform(rng, HEADS, -1, 1), oNorm = uniform(rng, DV, 0.5, 1.5);
        GatedDeltaHeadsGrad.Inputs in = new GatedDeltaHeadsGrad.Inputs(batch, tokens,
                uniform(rng, rows * HEADS * DK, -1, 1), uniform(rng, rows * HEADS * DK, -1, 1),
                uniform(rng, rows * HEADS * DV, -1, 1), uniform(rng, rows * HEADS, -2, 2),
                uniform(rng, rows * HEADS, -2, 2), uniform(rng, rows * HEADS * DV, -2, 2));
        GatedDeltaHeadsGrad heads = new GatedDeltaHeadsGrad(HEADS, DK, DV, aLog, dtBias, oNorm, EPS, betaScale);
        double[] y = heads.forward(in);

        // float32 spec: a few ulps per operation over ≤ 9 tokens, far below 1e-5 of the largest output
        float[] spec = spec(in, aLog, dtBias, oNorm, betaScale);
        double err = 0, max = 0;
        for (int i = 0; i < y.length; i++) {
            err = Math.max(err, Math.abs(y[i] - spec[i]));
            max = Math.max(max, Math.abs(y[i]));
        }
        assertTrue(err <= 1e-5 * max, "float64 heads vs float32 spec: " + err + " of max " + max);

        double[] dy = uniform(rng, y.length, -1, 1);
        GatedDeltaHeadsGrad.Grads g = heads.backward(in, dy);
        check("q", g.q(), in.q(), rng, t -> loss(heads, inputs(in, t, in.k(), in.v(), in.a(), in.b(), in.gate()), dy));
        check("k", g.k(), in.k(), rng, t -> loss(heads, inputs(in, in.q(), t, in.v(), in.a(), in.b(), in.gate()), dy));
        check("v", g.v(), in.v(), rng, t -> loss(heads, inputs(in, in.q(), in.k(), t, in.a(), in.b(), in.gate()), dy));
        check("a", g.a(), in.a(), rng, t -> loss(heads, inputs(in, in.q(), in.k(), in.v(), t, in.b(), in.gate()), dy));
        check("b", g.b(), in.b(), rng, t -> loss(heads, inputs(in, in.q(), in.k(), in.v(), in.a(), t, in.gate()), dy));
        check("gate", g.gate(), in.gate(), rng, t -> loss(heads, inputs(in, in.q(), in.k(), in.v(), in.a(), in.b(), t), dy));
        check("A_log", g.aLog(), aLog, rng, t -> loss(new GatedDeltaHeadsGrad(HEADS, DK, DV, t, dtBias, oNorm, EPS, betaScale), in, dy));
        check("dt_bias", g.dtBias(), dtBias, rng, t -> loss(new GatedDeltaHeadsGrad(HEADS, DK, DV, aLog, t, oNorm, EPS, betaScale), in, dy));
        check("o_norm", g.oNorm(), oNorm, rng, t -> loss(new GatedDeltaHeadsGrad(HEADS, DK, DV, aLog, dtBias, t, EPS, betaScale), in, dy));
    }

    private static GatedDeltaHeadsGrad.Inputs inputs(GatedDeltaHeadsGrad.Inputs in, double[] q, double[] k, double[] v,
                                                     double[] a, double[] b, double[] gate) {
        return new GatedDeltaHeadsGrad.Inputs(in.batch(), in.tokens(), q, k, v, a, b, gate);
    }

    private static double loss(GatedDeltaHeadsGrad heads, GatedDeltaHeadsGrad.Inputs in, double[] dy) {
        double[] y = heads.forward(in);
        double l = 0;
        for (int i = 0; i < y.length; i++) l += dy[i] * y[i];
        return l;
    }

    /**
     * Richardson-extrapolated central differences (h = 1e-3, 5e-4, 2.5e-4) along a random direction; the gradient is
     * float64 here, so the tolerance is the extrapolation's own error estimate (ten times the gap of two extrapolations)
     * plus float64 rounding.
     */
    private static void check(String name, double[] grad, double[] base, SplittableRandom rng, Function<double[], Double> loss) {
        double[] dir = uniform(rng, base.length, -1, 1);
        double d1 = central(base, dir, 1e-3, loss), d2 = central(base, dir, 5e-4, loss), d4 = central(base, dir, 2.5e-4, loss);
        double coarse = (4 * d2 - d1) / 3, fd = (4 * d4 - d2) / 3, dot = 0, abs = 0;
        for (int i = 0; i < grad.length; i++) {
            dot += grad[i] * dir[i];
            abs += Math.abs(grad[i] * dir[i]);
        }
        double tol = 10 * Math.abs(coarse - fd) + 1e-10 * (abs + 1);
        assertTrue(Math.abs(dot - fd) <= tol, "d/d" + name + ": backward " + dot + ", central differences " + fd + ", tolerance " + tol);
    }

    private static double central(double[] base, double[] dir, double h, Function<double[], Double> loss) {
        double[] plus = base.clone(), minus = base.clone();
        for (int i = 0; i < base.length; i++) {
            plus[i] += h * dir[i];
            minus[i] -= h * dir[i];
        }
        return (loss.apply(plus) - loss.apply(minus)) / (2 * h);
    }

    /** The float32 spec, token by token from a zero state per sequence: {@code [B, T, H·Dv]}. */
    private static float[] spec(GatedDeltaHeadsGrad.Inputs in, double[] aLog, double[] dtBias, double[] oNorm, float betaScale) {
        GatedDeltaHeads heads = new GatedDeltaHeads(HEADS, DK, DV, Float64.toFloat(aLog), Float64.toFloat(dtBias),
                Float64.toFloat(oNorm), (float) EPS, betaScale);
        int kd = HEADS * DK, vd = HEADS * DV;
        float[] out = new float[in.batch() * in.tokens() * vd];
        for (int bi = 0; bi < in.batch(); bi++) {
            float[] state = new float[heads.stateSize()];
            for (int t = 0; t < in.tokens(); t++) {
                int r = bi * in.tokens() + t;
                float[] o = new float[vd];
                heads.referenceToken(state, 0, slice(in.q(), r, kd), slice(in.k(), r, kd), slice(in.v(), r, vd),
                        slice(in.a(), r, HEADS), slice(in.b(), r, HEADS), slice(in.gate(), r, vd), o);
                System.arraycopy(o, 0, out, r * vd, vd);
            }
        }
        return out;
    }

    private static float[] slice(double[] a, int row, int width) {
        float[] f = new float[width];
        for (int i = 0; i < width; i++) f[i] = (float) a[row * width + i];
        return f;
    }

    /** Values exact in float32, so the float32 spec and the float64 code see the same inputs. */
    private static double[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }
}
