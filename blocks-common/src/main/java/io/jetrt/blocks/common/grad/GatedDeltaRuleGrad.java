package io.jetrt.blocks.common.grad;

/**
 * The gated delta rule of {@link io.jetrt.blocks.common.GatedDeltaRule} over one (batch, head) sequence from a zero
 * state, in float64, and its backward (BLOCKS.md §3.3). Per token, {@code S [Dk, Dv]} key dimension first:
 * <pre>
 *   S' = exp(g_t)·S_{t−1};  u_t = β_t·(v_t − S'ᵀk_t);  S_t = S' + k_t u_tᵀ;  o_t = S_tᵀq_t
 * </pre>
 * The backward walks t = T−1 … 0 carrying {@code dS = ∂L/∂S_t}:
 * <pre>
 *   dq = S_t·do;  dS += q doᵀ
 *   dk = dS·u;  du = dSᵀk                                   (from S_t = S' + k uᵀ; dS' = dS)
 *   dβ = du·(v − S'ᵀk);  dv = β·du;  e = β·du
 *   dS' −= k eᵀ;  dk −= S'·e                                (from u = β(v − S'ᵀk))
 *   dg = exp(g)·Σ dS'⊙S_{t−1};  dS_{t−1} = exp(g)·dS'
 * </pre>
 * It recomputes the forward keeping every state {@code S_0 … S_T}: {@code (T+1)·Dk·Dv} doubles per call.
 *
 * <p>Inputs are one head's rows: {@code q, k [T, Dk]} already normalised (q scaled), {@code v [T, Dv]},
 * {@code g, beta [T]}.
 */
public final class GatedDeltaRuleGrad {
    private GatedDeltaRuleGrad() {}

    /** {@code dq, dk [T, Dk]}, {@code dv [T, Dv]}, {@code dg, dBeta [T]}. */
    public record Grads(double[] dq, double[] dk, double[] dv, double[] dg, double[] dBeta) {}

    /** {@code o [T, Dv]}, the rule's output from a zero state. */
    public static double[] forward(int tokens, int dk, int dv, double[] q, double[] k, double[] v, double[] g, double[] beta) {
        double[] o = new double[tokens * dv];
        double[] s = new double[dk * dv];
        for (int t = 0; t < tokens; t++) step(s, s, dk, dv, t, q, k, v, g[t], beta[t], new double[dv], o);
        return o;
    }

    /**
     * One token from {@code prev} into {@code next} (may be the same array): writes {@code u [Dv]} and o's row t.
     */
    private static void step(double[] prev, double[] next, int dk, int dv, int t, double[] q, double[] k, double[] v,
                             double g, double beta, double[] u, double[] o) {
        double alpha = Math.exp(g);
        for (int i = 0; i < dk * dv; i++) next[i] = alpha * prev[i];
        for (int j = 0; j < dv; j++) {
            double sk = 0;
            for (int i = 0; i < dk; i++) sk += next[i * dv + j] * k[t * dk + i];
            u[j] = beta * (v[t * dv + j] - sk);
        }
        for (int i = 0; i < dk; i++) {
            for (int j = 0; j < dv; j++) next[i * dv + j] += k[t * dk + i] * u[j];
        }
        for (int j = 0; j < dv; j++) {
            double acc = 0;
            for (int i = 0; i < dk; i++) acc += next[i * dv + j] * q[t * dk + i];
            o[t * dv + j] = acc;
        }
    }

    /** The gradients for {@code dOut [T, Dv]}, the loss's gradient at o. */
    public static Grads backward(int tokens, int dk, int dv, double[] q, double[] k, double[] v, double[] g,
                                 double[] beta, double[] dOut) {
        int n = dk * dv;
        double[][] states = new double[tokens + 1][];
        states[0] = new double[n];
        double[][] us = new double[tokens][dv];
        double[] o = new double[tokens * dv];
        for (int t = 0; t < tokens; t++) {
            states[t + 1] = new double[n];
            step(states[t], states[t + 1], dk, dv, t, q, k, v, g[t], beta[t], us[t], o);
        }
        Grads r = new Grads(new double[tokens * dk], new double[tokens * dk], new double[tokens * dv],
                new double[tokens], new double[tokens]);
        double[] dS = new double[n], decayed = new double[n], e = new double[dv];
        for (int t = tokens - 1; t >= 0; t--) {
            double[] st = states[t + 1], prev = states[t], u = us[t];
            double alpha = Math.exp(g[t]);
            for (int i = 0; i < dk; i++) {
                double acc = 0;
                for (int j = 0; j < dv; j++) {
                    acc += st[i * dv + j] * dOut[t * dv + j];
                    dS[i * dv + j] += q[t * dk + i] * dOut[t * dv + j];
                }
                r.dq[t * dk + i] = acc;
            }
            for (int i = 0; i < n; i++) decayed[i] = alpha * prev[i];
            double dBeta = 0;
            for (int j = 0; j < dv; j++) {
                double du = 0, sk = 0;
                for (int i = 0; i < dk; i++) {
                    du += k[t * dk + i] * dS[i * dv + j];
                    sk += decayed[i * dv + j] * k[t * dk + i];
                }
                dBeta += du * (v[t * dv + j] - sk);
                r.dv[t * dv + j] = beta[t] * du;
                e[j] = beta[t] * du;
            }
            r.dBeta[t] = dBeta;
            for (int i = 0; i < dk; i++) {
                double acc = 0;
                for (int j = 0; j < dv; j++) acc += dS[i * dv + j] * u[j] - decayed[i * dv + j] * e[j];
                r.dk[t * dk + i] = acc;
            }
            double dAlpha = 0;
            for (int i = 0; i < dk; i++) {
                for (int j = 0; j < dv; j++) {
                    int ij = i * dv + j;
                    dS[ij] -= k[t * dk + i] * e[j];
                    dAlpha += dS[ij] * prev[ij];
                    dS[ij] *= alpha;
                }
            }
            r.dg[t] = alpha * dAlpha;
        }
        return r;
    }
}
