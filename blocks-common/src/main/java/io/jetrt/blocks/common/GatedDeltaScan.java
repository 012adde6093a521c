package io.jetrt.blocks.common;

import java.util.Arrays;

/**
 * The gated delta rule over T tokens of one (batch, head), tuned for the CPU: the fast form of
 * {@link GatedDeltaRule#step}, equal to it up to summation order. State {@code S [Dk, Dv]}, fp32.
 *
 * <p>Why it is fast (version 3 of {@code GatedDeltaScanBench}): the state is swept once per token. With
 * {@code P_k = S_{t−1}ᵀk̂_t} and {@code P_q = S_{t−1}ᵀq̂_t} known,
 * {@code u = β(v − e^g·P_k)}, {@code o = e^g·P_q + (q̂·k̂)·u}, and the sweep that writes
 * {@code S_t = e^g·S_{t−1} + k̂uᵀ} also accumulates the next token's {@code P_k, P_q} from the fresh rows.
 * Rows are taken four at a time so each pass over {@code P} carries four rows of work; the inner loops
 * are contiguous over Dv so the JIT vectorises them.
 */
public final class GatedDeltaScan {

    /** A row-major matrix region: row t starts at {@code off + t·stride}. */
    public record Rows(float[] data, int off, int stride) {
        int at(int t) { return off + t * stride; }
    }

    private GatedDeltaScan() {}

    /**
     * Runs {@code tokens} tokens on the state.
     *
     * @param q    raw queries, rows {@code [Dk]} (L2-normalised and scaled by Dk^-0.5 here)
     * @param k    raw keys, rows {@code [Dk]} (L2-normalised here)
     * @param v    values, rows {@code [Dv]}
     * @param g    log decays {@code [T]}
     * @param beta write strengths {@code [T]}
     * @param o    outputs, rows {@code [Dv]}, overwritten
     */
    public static void run(int tokens, int dk, int dv, float[] s, int sOff, Rows q, Rows k, Rows v,
                           float[] g, float[] beta, Rows o) {
        if (tokens == 0) return;
        float scale = (float) (1.0 / Math.sqrt(dk));
        float[] qn = new float[dk], kn = new float[dk], nq = new float[dk], nk = new float[dk];
        float[] pq = new float[dv], pk = new float[dv], u = new float[dv];
        normalized(q, 0, dk, scale, qn);
        normalized(k, 0, dk, 1f, kn);
        project(s, sOff, dk, dv, kn, qn, pk, pq);
        for (int t = 0; t < tokens; t++) {
            float alpha = (float) Math.exp(g[t]), b = beta[t];
            float qk = 0f;
            for (int i = 0; i < dk; i++) qk += qn[i] * kn[i];
            float[] vd = v.data(), od = o.data();
            int vt = v.at(t), ot = o.at(t);
            for (int j = 0; j < dv; j++) {
                float uj = b * (vd[vt + j] - alpha * pk[j]);
                u[j] = uj;
                od[ot + j] = alpha * pq[j] + qk * uj;
            }
            if (t + 1 < tokens) {
                normalized(q, t + 1, dk, scale, nq);
                normalized(k, t + 1, dk, 1f, nk);
                updateAndProject(s, sOff, dk, dv, alpha, kn, u, nk, nq, pk, pq);
                float[] swap = qn; qn = nq; nq = swap;
                swap = kn; kn = nk; nk = swap;
            } else {
                if (tokens > 1) update(s, sOff, dk, dv, alpha, kn, u);
            }
        }
    }

    private static void normalized(Rows x, int t, int dk, float scale, float[] dst) {
        System.arraycopy(x.data(), x.at(t), dst, 0, dk);
        GatedDeltaRule.l2Normalize(dst, 0, dk, scale);
    }

    /** {@code pk = Sᵀk, pq = Sᵀq} over the state as it is. */
    static void project(float[] s, int sOff, int dk, int dv, float[] k, float[] q, float[] pk, float[] pq) {
        Arrays.fill(pk, 0, dv, 0f);
        Arrays.fill(pq, 0, dv, 0f);
        int i = 0;
        for (; i + 4 <= dk; i += 4) {
            int r0 = sOff + i * dv, r1 = r0 + dv, r2 = r1 + dv, r3 = r2 + dv;
            float k0 = k[i], k1 = k[i + 1], k2 = k[i + 2], k3 = k[i + 3];
            float q0 = q[i], q1 = q[i + 1], q2 = q[i + 2], q3 = q[i + 3];
            for (int j = 0; j < dv; j++) {
                float s0 = s[r0 + j], s1 = s[r1 + j], s2 = s[r2 + j], s3 = s[r3 + j];
                pk[j] += (k0 * s0 + k1 * s1) + (k2 * s2 + k3 * s3);
                pq[j] += (q0 * s0 + q1 * s1) + (q2 * s2 + q3 * s3);
            }
        }
        for (; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i], qi = q[i];
            for (int j = 0; j < dv; j++) {
                pk[j] += ki * s[r + j];
                pq[j] += qi * s[r + j];
            }
        }
    }

    /** {@code S ← αS + k uᵀ}, and from the new rows {@code pk = Sᵀnk, pq = Sᵀnq} for the next token. */
    static void updateAndProject(float[] s, int sOff, int dk, int dv, float alpha, float[] k, float[] u,
                                 float[] nk, float[] nq, float[] pk, float[] pq) {
        Arrays.fill(pk, 0, dv, 0f);
        Arrays.fill(pq, 0, dv, 0f);
        int i = 0;
        for (; i + 4 <= dk; i += 4) {
            int r0 = sOff + i * dv, r1 = r0 + dv, r2 = r1 + dv, r3 = r2 + dv;
            float k0 = k[i], k1 = k[i + 1], k2 = k[i + 2], k3 = k[i + 3];
            float a0 = nk[i], a1 = nk[i + 1], a2 = nk[i + 2], a3 = nk[i + 3];
            float b0 = nq[i], b1 = nq[i + 1], b2 = nq[i + 2], b3 = nq[i + 3];
            for (int j = 0; j < dv; j++) {
                float uj = u[j];
                float s0 = alpha * s[r0 + j] + k0 * uj;
                float s1 = alpha * s[r1 + j] + k1 * uj;
                float s2 = alpha * s[r2 + j] + k2 * uj;
                float s3 = alpha * s[r3 + j] + k3 * uj;
                s[r0 + j] = s0;
                s[r1 + j] = s1;
                s[r2 + j] = s2;
                s[r3 + j] = s3;
                pk[j] += (a0 * s0 + a1 * s1) + (a2 * s2 + a3 * s3);
                pq[j] += (b0 * s0 + b1 * s1) + (b2 * s2 + b3 * s3);
            }
        }
        for (; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i], ai = nk[i], bi = nq[i];
            for (int j = 0; j < dv; j++) {
                float sj = alpha * s[r + j] + ki * u[j];
                s[r + j] = sj;
                pk[j] += ai * sj;
                pq[j] += bi * sj;
            }
        }
    }

    /** {@code S ← αS + k uᵀ}, for the last token of a chunk. */
    static void update(float[] s, int sOff, int dk, int dv, float alpha, float[] k, float[] u) {
        for (int i = 0; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i];
            for (int j = 0; j < dv; j++) s[r + j] = alpha * s[r + j] + ki * u[j];
        }
    }
}
