package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Activations;

/**
 * Mamba2's output gate and norm for one token (mamba_ssm {@code RMSNormGated}, norm_before_gate=False):
 * {@code y ← y·silu(z)}, then RMSNorm over each group of {@code d_inner/G} channels, times the weight.
 * The gate comes first, unlike JetBlock/GDN.
 */
final class GatedRmsNorm {
    private GatedRmsNorm() {}

    /**
     * In place on {@code y[yOff .. yOff+d_inner)}, gated by {@code z[zOff ..]}.
     *
     * @param normW {@code [d_inner]}, or null for rmsnorm=False (gate only)
     */
    static void apply(float[] y, int yOff, float[] z, int zOff, float[] normW, int dInner, int groupSize, float eps) {
        for (int i = 0; i < dInner; i++) y[yOff + i] *= Activations.silu(z[zOff + i]);
        if (normW == null) return;
        for (int g0 = 0; g0 < dInner; g0 += groupSize) {
            float ss = 0f;
            for (int i = g0; i < g0 + groupSize; i++) ss += y[yOff + i] * y[yOff + i];
            float inv = (float) (1.0 / Math.sqrt(ss / groupSize + eps));
            for (int i = g0; i < g0 + groupSize; i++) y[yOff + i] = y[yOff + i] * inv * normW[i];
        }
    }
}
