package io.jetrt.blocks.common;

import io.jetrt.spi.CpuOps;

/**
 * The part of JetBlock and Gated DeltaNet after their q/k/v front ends (BLOCKS.md §3.1, §5): per head,
 * beta and the log decay from the {@code b_proj}/{@code a_proj} outputs, the gated delta rule on the
 * head's state, and the norm-then-gate output RMSNorm. Its result {@code o [.., H·Dv]} goes to o_proj.
 *
 * <p>Inputs per token: {@code q, k [H·Dk]} and {@code v [H·Dv]} after their activations, {@code a, b [H]}
 * raw projections, {@code gate [H·Dv]} the raw {@code g_proj} output. State {@code [B, H, Dk, Dv]}.
 */
public final class GatedDeltaHeads {
    private final int heads, dk, dv;
    private final float[] aLog, dtBias, oNorm;
    private final float normEps, betaScale;

    /**
     * @param aLog      {@code A_log [H]}
     * @param dtBias    {@code dt_bias [H]}
     * @param oNorm     {@code o_norm.weight [Dv]}
     * @param betaScale 1, or 2 for fla's allow_neg_eigval (β ∈ (0, 2))
     */
    public GatedDeltaHeads(int heads, int dk, int dv, float[] aLog, float[] dtBias, float[] oNorm,
                           float normEps, float betaScale) {
        this.heads = heads;
        this.dk = dk;
        this.dv = dv;
        this.aLog = aLog;
        this.dtBias = dtBias;
        this.oNorm = oNorm;
        this.normEps = normEps;
        this.betaScale = betaScale;
    }

    /** Values of one sequence's recurrent state, {@code H·Dk·Dv}. */
    public int stateSize() { return heads * dk * dv; }

    /**
     * One token of one sequence, literally: plain loops through {@link GatedDeltaRule#step}.
     *
     * @param state {@code [H, Dk, Dv]} at sOff, updated
     * @param q     {@code [H·Dk]}, normalised in place
     * @param k     {@code [H·Dk]}, normalised in place
     * @param o     {@code [H·Dv]}, overwritten
     */
    public void referenceToken(float[] state, int sOff, float[] q, float[] k, float[] v, float[] a, float[] b,
                               float[] gate, float[] o) {
        float scale = (float) (1.0 / Math.sqrt(dk));
        float[] u = new float[dv];
        for (int h = 0; h < heads; h++) {
            GatedDeltaRule.l2Normalize(q, h * dk, dk, scale);
            GatedDeltaRule.l2Normalize(k, h * dk, dk, 1f);
            float g = GatedDeltaRule.logDecay(a[h], aLog[h], dtBias[h]);
            float beta = Activations.sigmoid(b[h]) * betaScale;
            GatedDeltaRule.step(state, sOff + h * dk * dv, dk, dv, q, h * dk, k, h * dk, v, h * dv, g, beta, u, o, h * dv);
            GatedRmsNorm.apply(o, h * dv, gate, h * dv, oNorm, dv, normEps);
        }
    }

    /**
     * A chunk of {@code T} tokens of {@code B} sequences, parallel over (b, h) through {@link GatedDeltaScan}.
     * Rows are token-major: row {@code b·T + t}.
     *
     * @param q     {@code [B·T, H·Dk]}
     * @param k     {@code [B·T, H·Dk]}
     * @param v     {@code [B·T, H·Dv]}
     * @param a     {@code [B·T, H]}
     * @param b     {@code [B·T, H]}
     * @param gate  {@code [B·T, H·Dv]}
     * @param state {@code [B, H, Dk, Dv]}, updated
     * @param o     {@code [B·T, H·Dv]}, overwritten
     */
    public void chunk(CpuOps ops, int batch, int tokens, float[] q, float[] k, float[] v, float[] a, float[] b,
                      float[] gate, float[] state, float[] o) {
        int keyDim = heads * dk, valueDim = heads * dv;
        ops.parallelFor(batch * heads, bh -> {
            int bi = bh / heads, h = bh % heads, row0 = bi * tokens;
            float[] g = new float[tokens], beta = new float[tokens];
            for (int t = 0; t < tokens; t++) {
                int r = (row0 + t) * heads + h;
                g[t] = GatedDeltaRule.logDecay(a[r], aLog[h], dtBias[h]);
                beta[t] = Activations.sigmoid(b[r]) * betaScale;
            }
            GatedDeltaScan.run(tokens, dk, dv, state, bh * dk * dv,
                    new GatedDeltaScan.Rows(q, row0 * keyDim + h * dk, keyDim),
                    new GatedDeltaScan.Rows(k, row0 * keyDim + h * dk, keyDim),
                    new GatedDeltaScan.Rows(v, row0 * valueDim + h * dv, valueDim),
                    g, beta,
                    new GatedDeltaScan.Rows(o, row0 * valueDim + h * dv, valueDim));
            for (int t = 0; t < tokens; t++) {
                int off = (row0 + t) * valueDim + h * dv;
                GatedRmsNorm.apply(o, off, gate, off, oNorm, dv, normEps);
            }
        });
    }
}
