package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.grad.ActivationGrad;
import io.jetrt.spi.CpuOps;

import java.util.Arrays;

/**
 * Mamba2's SSD recurrence and its backward ({@link Mamba2Training}'s scan) in float32 for the CPU training path, each
 * (batch, head) an independent job on {@link CpuOps#parallelFor}. Per token, head h with state {@code S [P, N]}:
 * {@code S_t = decay_t·S_{t−1} + dt_t·x_t B_tᵀ},  {@code y_t = S_t C_t + D ⊙ x_t}.
 *
 * <p>A job writes only its own rows and channels; what heads share (B and C of a group, and A_log, dt_bias, D over
 * the batch) goes into per-job partials summed afterwards in job order, so no result depends on scheduling. State
 * updates are float32 {@code a = d·a + s·b} loops; dot products over N, the gates and every sum over tokens or
 * channels accumulate in float64.
 *
 * <p>Memory: the backward keeps one state checkpoint every {@code C = ⌈√T⌉} tokens and recomputes each chunk's
 * {@code C} states from its checkpoint walking back: about {@code 2√T} states {@code [P, N]} per job.
 */
final class Mamba2FastScan {
    private static final double SOFTPLUS_THRESHOLD = 20;
    private final Mamba2Config c;
    private final float[] dtBias, d;
    private final double[] a;
    private final CpuOps ops;

    /** {@code xbc [B·T, conv_dim]} the conv's output after silu ({@code x | B | C}), {@code dtRaw [B·T, H]} from in_proj. */
    record Inputs(int batch, int tokens, float[] xbc, float[] dtRaw) {}

    /**
     * {@code dXbc [B·T, conv_dim]}, {@code dDtRaw [B·T, H]}, and the weights' gradients: {@code aLog, dtBias [H]},
     * {@code d [d_inner]} per channel (summed over a head's channels when D is per head: {@link #dWeight}).
     */
    record Grads(float[] dXbc, float[] dDtRaw, float[] aLog, float[] dtBias, double[] dPerChannel) {}

    /**
     * @param aLog   A_log {@code [H]}: {@code A = −exp(A_log)} is taken in float64, as the reference does
     * @param d      the skip weight per channel {@code [d_inner]}
     */
    Mamba2FastScan(Mamba2Config c, float[] aLog, float[] dtBias, float[] d, CpuOps ops) {
        this.c = c;
        this.dtBias = dtBias;
        this.d = d;
        this.ops = ops;
        a = new double[c.heads()];
        for (int h = 0; h < a.length; h++) a[h] = -Math.exp(aLog[h]);
    }

    /** Tokens between checkpoints: ⌈√T⌉ balances the checkpoints kept against the states of one chunk. */
    static int chunk(int tokens) { return Math.max(1, (int) Math.ceil(Math.sqrt(tokens))); }

    /** One (batch, head)'s inputs as contiguous rows: {@code x [T, P]}, its group's {@code B, C [T, N]}, the gates {@code [T]}. */
    private final class Head {
        final int bi, h, n, p = c.headDim(), s = c.stateSize();
        final float[] x, bm, cm;
        final double[] dt, decay, pre;

        Head(Inputs in, int bi, int h) {
            this.bi = bi;
            this.h = h;
            n = in.tokens();
            x = new float[n * p];
            bm = new float[n * s];
            cm = new float[n * s];
            dt = new double[n];
            decay = new double[n];
            pre = new double[n];
            int cd = c.convDim(), di = c.dInner(), grp = h / c.headsPerGroup();
            int bOff = di + grp * s, cOff = di + c.groups() * s + grp * s;
            for (int t = 0; t < n; t++) {
                int r = bi * n + t;
                System.arraycopy(in.xbc(), r * cd + h * p, x, t * p, p);
                System.arraycopy(in.xbc(), r * cd + bOff, bm, t * s, s);
                System.arraycopy(in.xbc(), r * cd + cOff, cm, t * s, s);
                pre[t] = (double) in.dtRaw()[r * c.heads() + h] + dtBias[h];
                dt[t] = pre[t] > SOFTPLUS_THRESHOLD ? pre[t] : Math.log1p(Math.exp(pre[t]));
                decay[t] = Math.exp(dt[t] * a[h]);
            }
        }

        /** Token t from {@code prev} into {@code next} (may be the same array); when {@code y [T, P]} is not null, writes its row t. */
        void step(float[] prev, float[] next, int t, float[] y) {
            float dec = (float) decay[t];
            int bo = t * s;
            for (int i = 0; i < p; i++) {
                float dtx = (float) (dt[t] * x[t * p + i]);
                int r = i * s;
                for (int k = 0; k < s; k++) next[r + k] = dec * prev[r + k] + dtx * bm[bo + k];
                if (y == null) continue;
                double acc = 0;
                for (int k = 0; k < s; k++) acc += (double) next[r + k] * cm[bo + k];
                y[t * p + i] = (float) (acc + d[h * p + i] * x[t * p + i]);
            }
        }
    }

    /** {@code y_ssm [B·T, d_inner]}: the scan's output before the gate. */
    float[] forward(Inputs in) {
        int n = in.tokens(), p = c.headDim(), di = c.dInner();
        float[] y = new float[in.batch() * n * di];
        ops.parallelFor(in.batch() * c.heads(), job -> {
            Head hd = new Head(in, job / c.heads(), job % c.heads());
            float[] st = new float[p * c.stateSize()], yh = new float[n * p];
            for (int t = 0; t < n; t++) hd.step(st, st, t, yh);
            for (int t = 0; t < n; t++) System.arraycopy(yh, t * p, y, (hd.bi * n + t) * di + hd.h * p, p);
        });
        return y;
    }

    /** The gradients for {@code dy [B·T, d_inner]}, the loss's gradient at {@link #forward}'s output. */
    Grads backward(Inputs in, float[] dy) {
        int heads = c.heads(), jobs = in.batch() * heads, n = in.tokens(), s = c.stateSize(), p = c.headDim();
        Grads r = new Grads(new float[in.xbc().length], new float[in.dtRaw().length], new float[heads], new float[heads],
                new double[c.dInner()]);
        float[][] dB = new float[jobs][], dC = new float[jobs][];
        double[][] gates = new double[jobs][], skips = new double[jobs][];
        ops.parallelFor(jobs, job -> {
            dB[job] = new float[n * s];
            dC[job] = new float[n * s];
            gates[job] = new double[2];
            skips[job] = new double[p];
            backwardHead(new Head(in, job / heads, job % heads), dy, r, dB[job], dC[job], gates[job], skips[job]);
        });
        // B and C are shared by a group's heads: summed in head order, one (batch, group) per job
        int cd = c.convDim(), di = c.dInner(), groups = c.groups(), hpg = c.headsPerGroup();
        ops.parallelFor(in.batch() * groups, bg -> {
            int bi = bg / groups, grp = bg % groups, bOff = di + grp * s, cOff = di + groups * s + grp * s;
            for (int t = 0; t < n; t++) {
                int row = (bi * n + t) * cd;
                for (int k = 0; k < s; k++) {
                    double sb = 0, sc = 0;
                    for (int h = grp * hpg; h < (grp + 1) * hpg; h++) {
                        sb += dB[bi * heads + h][t * s + k];
                        sc += dC[bi * heads + h][t * s + k];
                    }
                    r.dXbc()[row + bOff + k] = (float) sb;
                    r.dXbc()[row + cOff + k] = (float) sc;
                }
            }
        });
        // the per-head weights, over the batch in job order
        double[] dALog = new double[heads], dDtBias = new double[heads];
        for (int job = 0; job < jobs; job++) {
            int h = job % heads;
            dALog[h] += gates[job][0];
            dDtBias[h] += gates[job][1];
            for (int i = 0; i < p; i++) r.dPerChannel()[h * p + i] += skips[job][i];
        }
        for (int h = 0; h < heads; h++) {
            r.aLog()[h] = (float) dALog[h];
            r.dtBias()[h] = (float) dDtBias[h];
        }
        return r;
    }

    /** D's gradient in its declared shape: per channel {@code [d_inner]}, or per head {@code [H]} (its channels summed). */
    float[] dWeight(double[] dPerChannel) {
        int p = c.headDim();
        if (c.dHasHdim()) {
            float[] g = new float[dPerChannel.length];
            for (int i = 0; i < g.length; i++) g[i] = (float) dPerChannel[i];
            return g;
        }
        float[] g = new float[c.heads()];
        for (int h = 0; h < g.length; h++) {
            double acc = 0;
            for (int i = 0; i < p; i++) acc += dPerChannel[h * p + i];
            g[h] = (float) acc;
        }
        return g;
    }

    /**
     * One (batch, head), walking back (the reference's recursion): writes its x channels of {@code dXbc} and its column
     * of {@code dDtRaw}; puts its B and C gradients into {@code dB, dC [T, N]}, {@code A_log, dt_bias}'s into
     * {@code gates}, D's per channel into {@code skip [P]}.
     */
    private void backwardHead(Head hd, float[] dy, Grads r, float[] dB, float[] dC, double[] gates, double[] skip) {
        int n = hd.n, p = hd.p, s = hd.s, cells = p * s, chunk = chunk(n), di = c.dInner(), cd = c.convDim();
        float[][] checkpoints = new float[(n + chunk - 1) / chunk][];
        float[] st = new float[cells];
        for (int t = 0; t < n; t++) {
            if (t % chunk == 0) checkpoints[t / chunk] = st.clone();
            hd.step(st, st, t, null);
        }
        float[][] states = new float[chunk + 1][cells];
        float[] dS = new float[cells];   // dL/dS_t, carried back through the decay
        double[] dBt = new double[s], dCt = new double[s];
        for (int ck = checkpoints.length - 1; ck >= 0; ck--) {
            int t0 = ck * chunk, t1 = Math.min(n, t0 + chunk);
            System.arraycopy(checkpoints[ck], 0, states[0], 0, cells);
            for (int t = t0; t < t1; t++) hd.step(states[t - t0], states[t - t0 + 1], t, null);
            for (int t = t1 - 1; t >= t0; t--) {
                float[] now = states[t - t0 + 1], prev = states[t - t0];
                int row = hd.bi * n + t, bo = t * s;
                double dt = hd.dt[t], decay = hd.decay[t], dDecay = 0, dDt = 0;
                float dec = (float) decay;
                Arrays.fill(dBt, 0);
                Arrays.fill(dCt, 0);
                for (int i = 0; i < p; i++) {
                    int ch = hd.h * p + i, rs = i * s;
                    float xv = hd.x[t * p + i], dOut = dy[row * di + ch];
                    skip[i] += (double) dOut * xv;
                    double dtx = dt * xv, sdB = 0, sdPrev = 0;
                    for (int k = 0; k < s; k++) {
                        // this token's readout y = S_t C on top of what later tokens carried back
                        float g = dS[rs + k] + dOut * hd.cm[bo + k];
                        dCt[k] += (double) dOut * now[rs + k];
                        // S_t = decay·S_{t−1} + dt·x Bᵀ
                        sdPrev += (double) g * prev[rs + k];
                        sdB += (double) g * hd.bm[bo + k];
                        dBt[k] += dtx * g;
                        dS[rs + k] = dec * g;
                    }
                    dDecay += sdPrev;
                    dDt += xv * sdB;
                    r.dXbc()[row * cd + ch] = (float) (dOut * d[ch] + dt * sdB);
                }
                dDt += dDecay * decay * a[hd.h];
                gates[0] += dDecay * decay * dt * a[hd.h];   // dA/dA_log = A
                double dPre = hd.pre[t] > SOFTPLUS_THRESHOLD ? dDt : dDt * ActivationGrad.sigmoid(hd.pre[t]);
                gates[1] += dPre;
                r.dDtRaw()[row * c.heads() + hd.h] = (float) dPre;
                for (int k = 0; k < s; k++) {
                    dB[bo + k] = (float) dBt[k];
                    dC[bo + k] = (float) dCt[k];
                }
            }
        }
    }
}
