package io.jetrt.blocks.common;

/**
 * The gated delta rule of BLOCKS.md §3.3 for one (batch, head), written literally (§8): the reference
 * form that {@link GatedDeltaScan} must equal. The state {@code S [Dk, Dv]} is fp32, key dimension first
 * (fla's K-first layout), row {@code i} at {@code sOff + i·Dv}.
 */
public final class GatedDeltaRule {
    /** Added to the sum of squares inside the sqrt of the q/k L2 norm (fla l2norm), not max(‖x‖, eps). */
    public static final float L2_EPS = 1e-6f;

    private GatedDeltaRule() {}

    /** {@code x ← x / sqrt(Σx² + 1e-6) · scale} over {@code n} values; scale is Dk^-0.5 for q, 1 for k. */
    public static void l2Normalize(float[] x, int off, int n, float scale) {
        float ss = 0f;
        for (int i = off; i < off + n; i++) ss += x[i] * x[i];
        float f = (float) (scale / Math.sqrt(ss + L2_EPS));
        for (int i = off; i < off + n; i++) x[i] *= f;
    }

    /** Per-token log decay {@code g = −exp(A_log)·softplus(a + dt_bias) ≤ 0}, in fp32; the decay is exp(g). */
    public static float logDecay(float a, float aLog, float dtBias) {
        return (float) -Math.exp(aLog) * Activations.softplus(a + dtBias);
    }

    /**
     * One token: {@code S ← exp(g)·S; u = β(v − Sᵀk); S += k uᵀ; o = Sᵀq} (o from the updated state).
     *
     * @param q normalised and scaled query {@code [Dk]} at qOff
     * @param k normalised key {@code [Dk]} at kOff
     * @param v value {@code [Dv]} at vOff
     * @param u scratch {@code [Dv]}
     * @param o output {@code [Dv]} at oOff, overwritten
     */
    public static void step(float[] s, int sOff, int dk, int dv, float[] q, int qOff, float[] k, int kOff,
                            float[] v, int vOff, float g, float beta, float[] u, float[] o, int oOff) {
        float alpha = (float) Math.exp(g);
        for (int i = 0; i < dk * dv; i++) s[sOff + i] *= alpha;
        for (int j = 0; j < dv; j++) {
            float sk = 0f;
            for (int i = 0; i < dk; i++) sk += s[sOff + i * dv + j] * k[kOff + i];
            u[j] = beta * (v[vOff + j] - sk);
        }
        for (int i = 0; i < dk; i++) {
            for (int j = 0; j < dv; j++) s[sOff + i * dv + j] += k[kOff + i] * u[j];
        }
        for (int j = 0; j < dv; j++) {
            float acc = 0f;
            for (int i = 0; i < dk; i++) acc += s[sOff + i * dv + j] * q[qOff + i];
            o[oOff + j] = acc;
        }
    }
}
