package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.GatedDeltaCpu;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;

/**
 * Gated DeltaNet on the CPU, fast ({@link GatedDeltaCpu}); its front end is the three short convs and their silu over
 * the chunk. Equal to {@link GatedDeltaNetReference} up to summation order.
 */
final class GatedDeltaNetCpu extends GatedDeltaCpu<GatedDeltaNetConfig, GatedDeltaNetWeights> {

    GatedDeltaNetCpu(GatedDeltaNetConfig c, GatedDeltaNetWeights w, CpuOps ops) { super(c, w, ops); }

    @Override
    protected Qkv frontEnd(float[] x, Qkv raw, BlockState state, int batch, int tokens) {
        int rows = batch * tokens, kd = c.keyDim(), vd = c.valueDim();
        float[] q = new float[rows * kd], k = new float[rows * kd], v = new float[rows * vd];
        float[] qcs = state.get(GatedDeltaNetProvider.Q_CONV_STATE).data();
        float[] kcs = state.get(GatedDeltaNetProvider.K_CONV_STATE).data();
        float[] vcs = state.get(GatedDeltaNetProvider.V_CONV_STATE).data();
        // one task per (sequence, conv): each owns its cache rows and output rows
        ops.parallelFor(batch * 3, task -> {
            int bi = task / 3;
            switch (task % 3) {
                case 0 -> shortConv(qcs, bi, tokens, kd, raw.q(), w.qConv(), w.qBias(), q);
                case 1 -> shortConv(kcs, bi, tokens, kd, raw.k(), w.kConv(), w.kBias(), k);
                default -> shortConv(vcs, bi, tokens, vd, raw.v(), w.vConv(), w.vBias(), v);
            }
        });
        return new Qkv(q, k, v);
    }

    /** Sequence {@code bi}'s T tokens through one short conv and its silu: raw {@code [B·T, C]} → out {@code [B·T, C]}. */
    private void shortConv(float[] cache, int bi, int tokens, int channels, float[] raw, float[] weight, float[] bias,
                           float[] out) {
        int cw = c.convSize(), row = bi * tokens * channels;
        ShortConvState.convolveChunk(cache, bi * channels * cw, channels, cw, raw, row, channels, tokens,
                weight, 0, 0, bias, out, row, channels);
        Activations.siluInPlace(out, row, tokens * channels);
    }
}
