package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.GatedDeltaReference;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.BlockState;

/**
 * fla's GatedDeltaNet as the literal per-token recurrence in float32 (BLOCKS.md §5): plain loops, no threads,
 * no BLAS. The spec in code; {@link GatedDeltaNetCpu} must equal it.
 *
 * <p>Per token {@code x_t [D]}: q, k, v = {@code silu(short_conv(W x))}, each conv over its own cache of raw
 * projections; the gated delta rule per head; norm-then-gate with {@code silu(Wg x)}; {@code y = Wo o}
 * ({@link GatedDeltaReference}). State per sequence: {@code q_conv_state, k_conv_state [H·Dk, W]},
 * {@code v_conv_state [H·Dv, W]}, {@code recurrent_state [H, Dk, Dv]}.
 */
final class GatedDeltaNetReference extends GatedDeltaReference<GatedDeltaNetConfig, GatedDeltaNetWeights> {

    GatedDeltaNetReference(GatedDeltaNetConfig c, GatedDeltaNetWeights w) { super(c, w); }

    @Override
    protected void frontEndToken(BlockState state, int bi, float[] x, int xo, float[] q, float[] k, float[] v) {
        int kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        shortConv(state.get(GatedDeltaNetProvider.Q_CONV_STATE).data(), bi * kd * cw, kd, q, w.qConv(), w.qBias());
        shortConv(state.get(GatedDeltaNetProvider.K_CONV_STATE).data(), bi * kd * cw, kd, k, w.kConv(), w.kBias());
        shortConv(state.get(GatedDeltaNetProvider.V_CONV_STATE).data(), bi * vd * cw, vd, v, w.vConv(), w.vBias());
    }

    /** One decode step of a short conv, in place on {@code qkv}: push the raw projection, convolve with the static weight, silu. */
    private void shortConv(float[] cache, int off, int channels, float[] qkv, float[] weight, float[] bias) {
        ShortConvState.push(cache, off, channels, c.convSize(), qkv, 0);
        ShortConvState.convolve(cache, off, channels, c.convSize(), weight, 0, bias, qkv, 0);
        Activations.siluInPlace(qkv, 0, channels);
    }
}
