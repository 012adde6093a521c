package io.jetrt.blocks.mamba2;

import io.jetrt.spi.Weights;

/**
 * One layer's weights as flat arrays, with the per-head constants both backends need precomputed.
 * Shapes use {@code D, d_inner, conv_dim, H, W} of {@link Mamba2Config}.
 *
 * @param inW     in_proj.weight {@code [2·d_inner + 2·G·N + H, D]}
 * @param inB     in_proj.bias {@code [2·d_inner + 2·G·N + H]}, or null
 * @param convW   conv1d.weight {@code [conv_dim, W]}; {@code w = W−1} multiplies the current token
 * @param convB   conv1d.bias {@code [conv_dim]}, or null
 * @param dtBias  {@code [H]}
 * @param a       {@code A = −exp(A_log)}, {@code [H]}
 * @param d       skip weight per channel {@code [d_inner]} (a per-head D is repeated over its P channels)
 * @param normW   norm.weight {@code [d_inner]}, or null when rmsnorm is off
 * @param outW    out_proj.weight {@code [D, d_inner]}
 * @param outB    out_proj.bias {@code [D]}, or null
 */
record Mamba2Params(float[] inW, float[] inB, float[] convW, float[] convB, float[] dtBias, float[] a, float[] d,
                    float[] normW, float[] outW, float[] outB) {

    static Mamba2Params from(Mamba2Config c, Weights w) {
        float[] aLog = w.get("A_log").data();
        float[] a = new float[c.heads()];
        for (int h = 0; h < a.length; h++) a[h] = (float) -Math.exp(aLog[h]);
        float[] dw = w.get("D").data();
        float[] d = new float[c.dInner()];
        for (int i = 0; i < d.length; i++) d[i] = c.dHasHdim() ? dw[i] : dw[i / c.headDim()];
        return new Mamba2Params(w.get("in_proj.weight").data(), c.bias() ? w.get("in_proj.bias").data() : null,
                w.get("conv1d.weight").data(), c.convBias() ? w.get("conv1d.bias").data() : null,
                w.get("dt_bias").data(), a, d, c.rmsnorm() ? w.get("norm.weight").data() : null,
                w.get("out_proj.weight").data(), c.bias() ? w.get("out_proj.bias").data() : null);
    }
}
