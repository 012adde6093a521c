package io.jetrt.blocks.common;

/**
 * The norm-then-gate output RMSNorm of JetBlock and Gated DeltaNet (fla FusedRMSNormGated, swish;
 * BLOCKS.md §3.4): per head over {@code Dv}, {@code y = o·rsqrt(mean(o²) + eps)·w·silu(gate)}. Mamba2
 * gates before it normalises, so it does not use this.
 */
public final class GatedRmsNorm {
    private GatedRmsNorm() {}

    /**
     * One head of one token, in place on {@code o}.
     *
     * @param o    head output {@code [Dv]} at oOff, overwritten with the result
     * @param gate the head's slice of {@code g_proj x} {@code [Dv]} at gOff
     * @param w    {@code o_norm.weight [Dv]}, shared by all heads
     */
    public static void apply(float[] o, int oOff, float[] gate, int gOff, float[] w, int dv, float eps) {
        float ss = 0f;
        for (int j = 0; j < dv; j++) ss += o[oOff + j] * o[oOff + j];
        float r = (float) (1.0 / Math.sqrt(ss / dv + eps));
        for (int j = 0; j < dv; j++) o[oOff + j] = o[oOff + j] * r * w[j] * Activations.silu(gate[gOff + j]);
    }
}
