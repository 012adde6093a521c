package io.jetrt.blocks.common.grad;

/**
 * The part of JetBlock and gated DeltaNet after their q/k/v front ends ({@link io.jetrt.blocks.common.GatedDeltaHeads})
 * in float64, and its backward. Per (batch, head): q, k L2-normalised (q scaled by {@code Dk^-0.5}),
 * {@code β = betaScale·sigmoid(b)}, {@code g = −exp(A_log)·softplus(a + dt_bias)}, the gated delta rule from a zero
 * state, the norm-then-gate output norm. Backward of the gates: {@code ∂g/∂a = ∂g/∂dt_bias = −exp(A_log)·softplus'},
 * {@code ∂g/∂A_log = g}, {@code ∂β/∂b = betaScale·σ'(b)}.
 */
public final class GatedDeltaHeadsGrad {
    private final int heads, dk, dv;
    private final double[] aLog, dtBias, oNorm;
    private final double normEps, betaScale;

    /**
     * The activations entering the heads, rows {@code b·T + t}.
     *
     * @param q    {@code [B, T, H·Dk]} after the front end's activation, before the L2 norm
     * @param k    {@code [B, T, H·Dk]} likewise
     * @param v    {@code [B, T, H·Dv]}
     * @param a    {@code [B, T, H]} raw {@code a_proj} output
     * @param b    {@code [B, T, H]} raw {@code b_proj} output
     * @param gate {@code [B, T, H·Dv]} raw {@code g_proj} output
     */
    public record Inputs(int batch, int tokens, double[] q, double[] k, double[] v, double[] a, double[] b, double[] gate) {}

    /** The gradient of each {@link Inputs} tensor (same shapes), and of {@code A_log, dt_bias [H]}, {@code o_norm.weight [Dv]}. */
    public record Grads(double[] q, double[] k, double[] v, double[] a, double[] b, double[] gate,
                        double[] aLog, double[] dtBias, double[] oNorm) {}

    /**
     * @param aLog      {@code A_log [H]}
     * @param dtBias    {@code dt_bias [H]}
     * @param oNorm     {@code o_norm.weight [Dv]}
     * @param betaScale 1, or 2 for fla's allow_neg_eigval
     */
    public GatedDeltaHeadsGrad(int heads, int dk, int dv, double[] aLog, double[] dtBias, double[] oNorm, double normEps,
                               double betaScale) {
        this.heads = heads;
        this.dk = dk;
        this.dv = dv;
        this.aLog = aLog;
        this.dtBias = dtBias;
        this.oNorm = oNorm;
        this.normEps = normEps;
        this.betaScale = betaScale;
    }

    /** One (batch, head)'s rule inputs gathered into contiguous rows: {@code q, k [T, Dk]}, {@code v, z [T, Dv]}, {@code g, beta [T]}. */
    private record Head(double[] q, double[] k, double[] v, double[] z, double[] g, double[] beta) {}

    private Head gather(Inputs in, int bi, int h) {
        int t0 = bi * in.tokens(), n = in.tokens(), kd = heads * dk, vd = heads * dv;
        double scale = 1 / Math.sqrt(dk);
        Head hd = new Head(new double[n * dk], new double[n * dk], new double[n * dv], new double[n * dv], new double[n], new double[n]);
        for (int t = 0; t < n; t++) {
            int r = t0 + t;
            L2NormGrad.forward(in.q(), r * kd + h * dk, dk, scale, hd.q, t * dk);
            L2NormGrad.forward(in.k(), r * kd + h * dk, dk, 1, hd.k, t * dk);
            System.arraycopy(in.v(), r * vd + h * dv, hd.v, t * dv, dv);
            System.arraycopy(in.gate(), r * vd + h * dv, hd.z, t * dv, dv);
            double a = in.a()[r * heads + h];
            hd.g[t] = -Math.exp(aLog[h]) * ActivationGrad.softplus(a + dtBias[h]);
            hd.beta[t] = betaScale * ActivationGrad.sigmoid(in.b()[r * heads + h]);
        }
        return hd;
    }

    /** {@code y [B, T, H·Dv]}: the heads' gated, normalised outputs, o_proj's input. */
    public double[] forward(Inputs in) {
        int n = in.tokens(), vd = heads * dv;
        double[] y = new double[in.batch() * n * vd], yh = new double[n * dv];
        for (int bi = 0; bi < in.batch(); bi++) {
            for (int h = 0; h < heads; h++) {
                Head hd = gather(in, bi, h);
                double[] o = GatedDeltaRuleGrad.forward(n, dk, dv, hd.q, hd.k, hd.v, hd.g, hd.beta);
                for (int t = 0; t < n; t++) GatedRmsNormGrad.forward(o, hd.z, t * dv, oNorm, dv, normEps, yh);
                for (int t = 0; t < n; t++) System.arraycopy(yh, t * dv, y, (bi * n + t) * vd + h * dv, dv);
            }
        }
        return y;
    }

    /** The gradients for {@code dy [B, T, H·Dv]}, the loss's gradient at {@link #forward}'s output. */
    public Grads backward(Inputs in, double[] dy) {
        int n = in.tokens(), kd = heads * dk, vd = heads * dv;
        double scale = 1 / Math.sqrt(dk);
        Grads r = new Grads(new double[in.q().length], new double[in.k().length], new double[in.v().length],
                new double[in.a().length], new double[in.b().length], new double[in.gate().length],
                new double[heads], new double[heads], new double[dv]);
        double[] dyh = new double[n * dv], dO = new double[n * dv], dZ = new double[n * dv];
        for (int bi = 0; bi < in.batch(); bi++) {
            for (int h = 0; h < heads; h++) {
                Head hd = gather(in, bi, h);
                double[] o = GatedDeltaRuleGrad.forward(n, dk, dv, hd.q, hd.k, hd.v, hd.g, hd.beta);
                for (int t = 0; t < n; t++) System.arraycopy(dy, (bi * n + t) * vd + h * dv, dyh, t * dv, dv);
                for (int t = 0; t < n; t++) GatedRmsNormGrad.backward(o, hd.z, t * dv, oNorm, dv, normEps, dyh, dO, dZ, r.oNorm);
                GatedDeltaRuleGrad.Grads rg = GatedDeltaRuleGrad.backward(n, dk, dv, hd.q, hd.k, hd.v, hd.g, hd.beta, dO);
                for (int t = 0; t < n; t++) {
                    int row = bi * n + t, qo = row * kd + h * dk, vo = row * vd + h * dv, ho = row * heads + h;
                    L2NormGrad.backward(in.q(), qo, dk, scale, rg.dq(), t * dk, r.q, qo);
                    L2NormGrad.backward(in.k(), qo, dk, 1, rg.dk(), t * dk, r.k, qo);
                    System.arraycopy(rg.dv(), t * dv, r.v, vo, dv);
                    System.arraycopy(dZ, t * dv, r.gate, vo, dv);
                    double x = in.a()[ho] + dtBias[h];
                    double dPre = rg.dg()[t] * -Math.exp(aLog[h]) * ActivationGrad.dSoftplus(x);
                    r.a[ho] = dPre;
                    r.dtBias[h] += dPre;
                    r.aLog[h] += rg.dg()[t] * hd.g[t];
                    r.b[ho] = rg.dBeta()[t] * betaScale * ActivationGrad.dSigmoid(in.b()[ho]);
                }
            }
        }
        return r;
    }
}
