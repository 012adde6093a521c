package io.jetrt.blocks.common.grad;

import io.jetrt.spi.CpuOps;

import java.util.Arrays;

/**
 * {@link GatedDeltaHeadsGrad} in float32 for the CPU training path: the same math, with each (batch, head) an
 * independent job on {@link CpuOps#parallelFor}. A job writes only its own rows of the outputs; the weight
 * gradients shared by jobs ({@code A_log, dt_bias, o_norm}) go into per-job partials summed afterwards in job order,
 * so the result does not depend on scheduling.
 *
 * <p>Storage and the state recurrence are float32 (its row updates are plain {@code a += s·b} loops the JIT
 * vectorises); dot products along a row, norms and the scalar gates accumulate in float64.
 *
 * <p>Memory: the backward does not keep all {@code T} states {@code [Dk, Dv]}. The forward keeps one checkpoint every
 * {@code C = ⌈√T⌉} tokens; walking back, each chunk's {@code C} states are recomputed from its checkpoint. A job holds
 * about {@code (T/C + C)·Dk·Dv} floats ({@code 2√T} states), for one more forward pass of the recurrence.
 */
public final class FastGatedDeltaHeads {
    private final int heads, dk, dv;
    private final float[] aLog, dtBias, oNorm;
    private final double normEps, betaScale;
    private final CpuOps ops;

    /** As {@link GatedDeltaHeadsGrad.Inputs}, in float32. */
    public record Inputs(int batch, int tokens, float[] q, float[] k, float[] v, float[] a, float[] b, float[] gate) {}

    /**
     * As {@link GatedDeltaHeadsGrad.Grads}, in float32, and the forward's output {@code y [B, T, H·Dv]} the backward
     * recomputed anyway (o_proj's weight gradient needs it: no separate forward pass of the heads).
     */
    public record Grads(float[] q, float[] k, float[] v, float[] a, float[] b, float[] gate,
                        float[] aLog, float[] dtBias, float[] oNorm, float[] y) {}

    public FastGatedDeltaHeads(int heads, int dk, int dv, float[] aLog, float[] dtBias, float[] oNorm, double normEps,
                               double betaScale, CpuOps ops) {
        this.heads = heads;
        this.dk = dk;
        this.dv = dv;
        this.aLog = aLog;
        this.dtBias = dtBias;
        this.oNorm = oNorm;
        this.normEps = normEps;
        this.betaScale = betaScale;
        this.ops = ops;
    }

    /** Tokens between checkpoints: ⌈√T⌉ balances the checkpoints kept against the states of one chunk. */
    static int chunk(int tokens) { return Math.max(1, (int) Math.ceil(Math.sqrt(tokens))); }

    /** One (batch, head)'s rule inputs as contiguous rows: {@code q, k [T, Dk]} normalised, {@code v, z [T, Dv]}, the gates {@code [T]}. */
    private final class Head {
        final int bi, h, n;
        final float[] q, k, v, z;
        final double[] g, beta;

        Head(Inputs in, int bi, int h) {
            this.bi = bi;
            this.h = h;
            n = in.tokens();
            q = new float[n * dk];
            k = new float[n * dk];
            v = new float[n * dv];
            z = new float[n * dv];
            g = new double[n];
            beta = new double[n];
            int kd = heads * dk, vd = heads * dv;
            double scale = 1 / Math.sqrt(dk);
            for (int t = 0; t < n; t++) {
                int r = bi * n + t;
                l2Normalize(in.q(), r * kd + h * dk, scale, q, t * dk);
                l2Normalize(in.k(), r * kd + h * dk, 1, k, t * dk);
                System.arraycopy(in.v(), r * vd + h * dv, v, t * dv, dv);
                System.arraycopy(in.gate(), r * vd + h * dv, z, t * dv, dv);
                g[t] = -Math.exp(aLog[h]) * ActivationGrad.softplus((double) in.a()[r * heads + h] + dtBias[h]);
                beta[t] = betaScale * ActivationGrad.sigmoid(in.b()[r * heads + h]);
            }
        }

        /**
         * One token of the rule from {@code prev} into {@code next} (may be the same array), writing {@code u [Dv]};
         * when {@code o} is not null, adds {@code S_tᵀq_t} into its row t (zeroed by the caller).
         */
        void step(float[] prev, float[] next, int t, float[] u, float[] sk, float[] o) {
            float alpha = (float) Math.exp(g[t]), b = (float) beta[t];
            int ko = t * dk, vo = t * dv;
            Arrays.fill(sk, 0f);
            for (int i = 0; i < dk; i++) {
                float ki = k[ko + i];
                int r = i * dv;
                for (int j = 0; j < dv; j++) {
                    float s = alpha * prev[r + j];
                    next[r + j] = s;
                    sk[j] += s * ki;
                }
            }
            for (int j = 0; j < dv; j++) u[j] = b * (v[vo + j] - sk[j]);
            for (int i = 0; i < dk; i++) {
                float ki = k[ko + i];
                int r = i * dv;
                for (int j = 0; j < dv; j++) next[r + j] += ki * u[j];
            }
            if (o == null) return;
            for (int i = 0; i < dk; i++) {
                float qi = q[ko + i];
                int r = i * dv;
                for (int j = 0; j < dv; j++) o[vo + j] += next[r + j] * qi;
            }
        }
    }

    private void l2Normalize(float[] x, int off, double scale, float[] y, int yOff) {
        double f = scale / l2Norm(x, off);
        for (int i = 0; i < dk; i++) y[yOff + i] = (float) (x[off + i] * f);
    }

    private double l2Norm(float[] x, int off) {
        double ss = 0;
        for (int i = off; i < off + dk; i++) ss += (double) x[i] * x[i];
        return Math.sqrt(ss + L2NormGrad.EPS);
    }

    /** {@code r = (mean(o²) + eps)^-1/2} of o's row at off. */
    private double rmsScale(float[] o, int off) {
        double ss = 0;
        for (int j = 0; j < dv; j++) ss += (double) o[off + j] * o[off + j];
        return 1 / Math.sqrt(ss / dv + normEps);
    }

    /** The rule's output {@code o [T, Dv]}; keeps the state entering each chunk in {@code checkpoints} when not null. */
    private float[] rule(Head hd, float[][] checkpoints, int chunk) {
        float[] o = new float[hd.n * dv], s = new float[dk * dv], u = new float[dv], sk = new float[dv];
        for (int t = 0; t < hd.n; t++) {
            if (checkpoints != null && t % chunk == 0) checkpoints[t / chunk] = s.clone();
            hd.step(s, s, t, u, sk, o);
        }
        return o;
    }

    /** {@code y [B, T, H·Dv]}: the heads' gated, normalised outputs, o_proj's input. */
    public float[] forward(Inputs in) {
        int n = in.tokens(), vd = heads * dv;
        float[] y = new float[in.batch() * n * vd];
        ops.parallelFor(in.batch() * heads, job -> {
            Head hd = new Head(in, job / heads, job % heads);
            float[] o = rule(hd, null, 1);
            for (int t = 0; t < n; t++) {
                int off = t * dv, yo = (hd.bi * n + t) * vd + hd.h * dv;
                double r = rmsScale(o, off);
                for (int j = 0; j < dv; j++) y[yo + j] = (float) (o[off + j] * r * oNorm[j] * ActivationGrad.silu(hd.z[off + j]));
            }
        });
        return y;
    }

    /** The gradients for {@code dy [B, T, H·Dv]}, the loss's gradient at {@link #forward}'s output, and that output. */
    public Grads backward(Inputs in, float[] dy) {
        int jobs = in.batch() * heads;
        Grads r = new Grads(new float[in.q().length], new float[in.k().length], new float[in.v().length],
                new float[in.a().length], new float[in.b().length], new float[in.gate().length],
                new float[heads], new float[heads], new float[dv], new float[in.gate().length]);
        double[][] gatePartials = new double[jobs][], normPartials = new double[jobs][];
        ops.parallelFor(jobs, job -> {
            double[] gp = new double[2], np = new double[dv];
            backwardHead(in, new Head(in, job / heads, job % heads), dy, r, gp, np);
            gatePartials[job] = gp;
            normPartials[job] = np;
        });
        // the shared weights' gradients: job order, whatever order the jobs ran in
        double[] dALog = new double[heads], dDtBias = new double[heads], dNorm = new double[dv];
        for (int job = 0; job < jobs; job++) {
            dALog[job % heads] += gatePartials[job][0];
            dDtBias[job % heads] += gatePartials[job][1];
            for (int j = 0; j < dv; j++) dNorm[j] += normPartials[job][j];
        }
        for (int h = 0; h < heads; h++) {
            r.aLog[h] = (float) dALog[h];
            r.dtBias[h] = (float) dDtBias[h];
        }
        for (int j = 0; j < dv; j++) r.oNorm[j] = (float) dNorm[j];
        return r;
    }

    /** One (batch, head): writes its rows of r's activation gradients; adds {@code A_log, dt_bias} into gp and o_norm's into np. */
    private void backwardHead(Inputs in, Head hd, float[] dy, Grads r, double[] gp, double[] np) {
        int n = hd.n, vd = heads * dv, kd = heads * dk, chunk = chunk(n);
        float[][] checkpoints = new float[(n + chunk - 1) / chunk][];
        float[] o = rule(hd, checkpoints, chunk);

        // the gated norm, per token: c_j = dy_j·w_j·silu(z_j); do_j = r·c_j − r³·o_j·(Σ c·o)/Dv
        float[] dO = new float[n * dv];
        for (int t = 0; t < n; t++) {
            int off = t * dv, yo = (hd.bi * n + t) * vd + hd.h * dv;
            double rs = rmsScale(o, off), co = 0;
            for (int j = 0; j < dv; j++) co += dy[yo + j] * oNorm[j] * ActivationGrad.silu(hd.z[off + j]) * o[off + j];
            for (int j = 0; j < dv; j++) {
                double z = hd.z[off + j], sz = ActivationGrad.silu(z), g = dy[yo + j];
                r.y[yo + j] = (float) (o[off + j] * rs * oNorm[j] * sz);
                dO[off + j] = (float) (rs * g * oNorm[j] * sz - rs * rs * rs * o[off + j] * co / dv);
                r.gate[yo + j] = (float) (g * o[off + j] * rs * oNorm[j] * ActivationGrad.dSilu(z));
                np[j] += g * o[off + j] * rs * sz;
            }
        }

        // the rule, backwards a chunk at a time from its checkpoint (GatedDeltaRuleGrad's recursion)
        int cells = dk * dv;
        float[][] states = new float[chunk + 1][cells];
        float[][] us = new float[chunk][dv];
        float[] dS = new float[cells], du = new float[dv], sk = new float[dv], e = new float[dv];
        float[] dq = new float[dk], dkk = new float[dk];
        for (int c = checkpoints.length - 1; c >= 0; c--) {
            int t0 = c * chunk, t1 = Math.min(n, t0 + chunk);
            System.arraycopy(checkpoints[c], 0, states[0], 0, cells);
            for (int t = t0; t < t1; t++) hd.step(states[t - t0], states[t - t0 + 1], t, us[t - t0], sk, null);
            for (int t = t1 - 1; t >= t0; t--) {
                float[] st = states[t - t0 + 1], prev = states[t - t0], u = us[t - t0];
                int ko = t * dk, vo = t * dv;
                float alpha = (float) Math.exp(hd.g[t]), b = (float) hd.beta[t];
                // dq = S_t·do;  dS += q doᵀ
                for (int i = 0; i < dk; i++) {
                    int row = i * dv;
                    double acc = 0;
                    for (int j = 0; j < dv; j++) acc += st[row + j] * dO[vo + j];
                    dq[i] = (float) acc;
                    float qi = hd.q[ko + i];
                    for (int j = 0; j < dv; j++) dS[row + j] += qi * dO[vo + j];
                }
                // du = dSᵀk;  S'ᵀk with S' = α·S_{t−1}
                Arrays.fill(du, 0f);
                Arrays.fill(sk, 0f);
                for (int i = 0; i < dk; i++) {
                    int row = i * dv;
                    float ki = hd.k[ko + i], aki = alpha * ki;
                    for (int j = 0; j < dv; j++) {
                        du[j] += ki * dS[row + j];
                        sk[j] += aki * prev[row + j];
                    }
                }
                double dBeta = 0;
                for (int j = 0; j < dv; j++) {
                    dBeta += (double) du[j] * (hd.v[vo + j] - sk[j]);
                    e[j] = b * du[j];
                }
                // dk = dS·u − S'·e
                for (int i = 0; i < dk; i++) {
                    int row = i * dv;
                    double acc = 0;
                    for (int j = 0; j < dv; j++) acc += dS[row + j] * u[j] - alpha * prev[row + j] * e[j];
                    dkk[i] = (float) acc;
                }
                // dS' = dS − k eᵀ;  dα = Σ dS'⊙S_{t−1};  dS_{t−1} = α·dS'
                double dAlpha = 0;
                for (int i = 0; i < dk; i++) {
                    int row = i * dv;
                    float ki = hd.k[ko + i];
                    for (int j = 0; j < dv; j++) dS[row + j] -= ki * e[j];
                    double acc = 0;
                    for (int j = 0; j < dv; j++) acc += dS[row + j] * prev[row + j];
                    dAlpha += acc;
                    for (int j = 0; j < dv; j++) dS[row + j] *= alpha;
                }
                double dg = alpha * dAlpha;

                // back to the heads' inputs
                int rowIdx = hd.bi * n + t, qo = rowIdx * kd + hd.h * dk, ho = rowIdx * heads + hd.h, vOut = rowIdx * vd + hd.h * dv;
                l2Backward(in.q(), qo, 1 / Math.sqrt(dk), dq, r.q);
                l2Backward(in.k(), qo, 1, dkk, r.k);
                for (int j = 0; j < dv; j++) r.v[vOut + j] = e[j];
                double x = (double) in.a()[ho] + dtBias[hd.h];
                double dPre = dg * -Math.exp(aLog[hd.h]) * ActivationGrad.dSoftplus(x);
                r.a[ho] = (float) dPre;
                gp[0] += dg * hd.g[t];
                gp[1] += dPre;
                r.b[ho] = (float) (dBeta * betaScale * ActivationGrad.dSigmoid(in.b()[ho]));
            }
        }
    }

    /** {@code dx = scale/n · (dy − x·(x·dy)/n²)} into dx at off, for the raw {@code x} at off and {@code dy [Dk]}. */
    private void l2Backward(float[] x, int off, double scale, float[] dy, float[] dx) {
        double nrm = l2Norm(x, off), xdy = 0;
        for (int i = 0; i < dk; i++) xdy += (double) x[off + i] * dy[i];
        double proj = xdy / (nrm * nrm), f = scale / nrm;
        for (int i = 0; i < dk; i++) dx[off + i] = (float) (f * (dy[i] - x[off + i] * proj));
    }
}
