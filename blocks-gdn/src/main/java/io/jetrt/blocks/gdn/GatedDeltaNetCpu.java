package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.GatedDeltaHeads;
import io.jetrt.blocks.common.Linear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;

/**
 * Gated DeltaNet on the CPU, fast: every projection over the whole chunk {@code [B·T, D]} through the runtime's
 * GEMM, the three short convs over the chunk, and the gated delta rule parallel over (batch, head) with
 * {@link GatedDeltaHeads#chunk}. Equal to {@link GatedDeltaNetReference} up to summation order.
 */
final class GatedDeltaNetCpu implements Block {
    private final GatedDeltaNetConfig c;
    private final GatedDeltaNetWeights w;
    private final GatedDeltaHeads heads;
    private final CpuOps ops;

    GatedDeltaNetCpu(GatedDeltaNetConfig c, GatedDeltaNetWeights w, CpuOps ops) {
        this.c = c;
        this.w = w;
        this.ops = ops;
        this.heads = new GatedDeltaHeads(c.numHeads(), c.dk(), c.dv(), w.aLog(), w.dtBias(), w.oNorm(), c.normEps(), c.betaScale());
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int batch = state.batch(), rows = batch * tokens;
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim();
        float[] xs = x.data();
        float[] qr = Linear.apply(ops, xs, rows, d, w.q(), null, kd);       // [B·T, H·Dk], raw
        float[] kr = Linear.apply(ops, xs, rows, d, w.k(), null, kd);       // [B·T, H·Dk], raw
        float[] vr = Linear.apply(ops, xs, rows, d, w.v(), null, vd);       // [B·T, H·Dv], raw
        float[] a = Linear.apply(ops, xs, rows, d, w.a(), null, h);         // [B·T, H]
        float[] b = Linear.apply(ops, xs, rows, d, w.b(), null, h);         // [B·T, H]
        float[] gate = Linear.apply(ops, xs, rows, d, w.gate(), null, vd);  // [B·T, H·Dv]
        float[] q = new float[rows * kd], k = new float[rows * kd], v = new float[rows * vd];
        float[] qcs = state.get(GatedDeltaNetProvider.Q_CONV_STATE).data();
        float[] kcs = state.get(GatedDeltaNetProvider.K_CONV_STATE).data();
        float[] vcs = state.get(GatedDeltaNetProvider.V_CONV_STATE).data();
        // one task per (sequence, conv): each owns its cache rows and output rows
        ops.parallelFor(batch * 3, task -> {
            int bi = task / 3;
            switch (task % 3) {
                case 0 -> shortConv(qcs, bi, tokens, kd, qr, w.qConv(), w.qBias(), q);
                case 1 -> shortConv(kcs, bi, tokens, kd, kr, w.kConv(), w.kBias(), k);
                default -> shortConv(vcs, bi, tokens, vd, vr, w.vConv(), w.vBias(), v);
            }
        });
        float[] o = new float[rows * vd];
        heads.chunk(ops, batch, tokens, q, k, v, a, b, gate, state.get(GatedDeltaNetProvider.RECURRENT_STATE).data(), o);
        ops.linear(o, 0, w.o(), 0, y.data(), 0, rows, d, vd);
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
