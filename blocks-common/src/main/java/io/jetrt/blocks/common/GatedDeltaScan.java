package io.jetrt.blocks.common;

import java.util.Arrays;

/**
 * The gated delta rule over T tokens of one (batch, head), tuned for the CPU: the fast form of
 * {@link GatedDeltaRule#step}, equal to it up to summation order. State {@code S [Dk, Dv]}, fp32.
 *
 * <p>Why it is fast (version 5 of {@code GatedDeltaScanBench}, which times the others):
 * <ul>
 *   <li>One sweep over the state per token. With {@code P_k = S_{t−1}ᵀk̂_t} and {@code P_q = S_{t−1}ᵀq̂_t}
 *       known, {@code u = β(v − e^g·P_k)} and {@code o = e^g·P_q + (q̂·k̂)·u}; the sweep that writes
 *       {@code S_t = e^g·S_{t−1} + k̂uᵀ} also accumulates the next token's {@code P_k, P_q} from the fresh rows.</li>
 *   <li>The state is copied into one array per row for the chunk. HotSpot (JDK 25) does not vectorise a loop
 *       that mixes an array indexed at a variable offset ({@code s[r + j]}) with another indexed at {@code j},
 *       since the two might be one array; with every operand indexed at {@code j} it does, about 4× faster.</li>
 * </ul>
 */
public final class GatedDeltaScan {

    /** A row-major matrix region: row t starts at {@code off + t·stride}. */
    public record Rows(float[] data, int off, int stride) {
        int at(int t) { return off + t * stride; }
    }

    private GatedDeltaScan() {}

    /**
     * Runs {@code tokens} tokens on the state {@code [Dk, Dv]} at {@code sOff}.
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
        float[][] rows = new float[dk][];
        for (int i = 0; i < dk; i++) rows[i] = Arrays.copyOfRange(s, sOff + i * dv, sOff + (i + 1) * dv);
        float scale = (float) (1.0 / Math.sqrt(dk));
        float[] qn = new float[dk], kn = new float[dk], nq = new float[dk], nk = new float[dk];
        float[] pq = new float[dv], pk = new float[dv], u = new float[dv], vt = new float[dv], ot = new float[dv];
        normalized(q, 0, dk, scale, qn);
        normalized(k, 0, dk, 1f, kn);
        for (int i = 0; i < dk; i++) project(rows[i], kn[i], qn[i], pk, pq);
        for (int t = 0; t < tokens; t++) {
            float alpha = (float) Math.exp(g[t]), b = beta[t];
            float qk = 0f;
            for (int i = 0; i < dk; i++) qk += qn[i] * kn[i];
            System.arraycopy(v.data(), v.at(t), vt, 0, dv); // local rows keep this loop vectorisable too
            for (int j = 0; j < dv; j++) {
                float uj = b * (vt[j] - alpha * pk[j]);
                u[j] = uj;
                ot[j] = alpha * pq[j] + qk * uj;
            }
            System.arraycopy(ot, 0, o.data(), o.at(t), dv);
            if (t + 1 < tokens) {
                normalized(q, t + 1, dk, scale, nq);
                normalized(k, t + 1, dk, 1f, nk);
                Arrays.fill(pk, 0f);
                Arrays.fill(pq, 0f);
                for (int i = 0; i < dk; i++) updateAndProject(rows[i], alpha, kn[i], u, nk[i], nq[i], pk, pq);
                float[] swap = qn; qn = nq; nq = swap;
                swap = kn; kn = nk; nk = swap;
            } else {
                for (int i = 0; i < dk; i++) update(rows[i], alpha, kn[i], u);
            }
        }
        for (int i = 0; i < dk; i++) System.arraycopy(rows[i], 0, s, sOff + i * dv, dv);
    }

    private static void normalized(Rows x, int t, int dk, float scale, float[] dst) {
        System.arraycopy(x.data(), x.at(t), dst, 0, dk);
        GatedDeltaRule.l2Normalize(dst, 0, dk, scale);
    }

    /** One state row's share of {@code pk += Sᵀk, pq += Sᵀq}. */
    static void project(float[] row, float ki, float qi, float[] pk, float[] pq) {
        for (int j = 0; j < row.length; j++) {
            pk[j] += ki * row[j];
            pq[j] += qi * row[j];
        }
    }

    /** {@code row ← α·row + k_i·u}, and the new row's share of the next token's {@code pk, pq}. */
    static void updateAndProject(float[] row, float alpha, float ki, float[] u, float nki, float nqi, float[] pk, float[] pq) {
        for (int j = 0; j < row.length; j++) {
            float x = alpha * row[j] + ki * u[j];
            row[j] = x;
            pk[j] += nki * x;
            pq[j] += nqi * x;
        }
    }

    /** {@code row ← α·row + k_i·u}, for the last token of a chunk. */
    static void update(float[] row, float alpha, float ki, float[] u) {
        for (int j = 0; j < row.length; j++) row[j] = alpha * row[j] + ki * u[j];
    }
}
