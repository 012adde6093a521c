package io.jetrt.blocks.jetblock;

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
 * JetBlock on the CPU, fast: every projection over the whole chunk {@code [B·T, D]} through the runtime's
 * GEMM, the dynamic conv over the chunk, and the gated delta rule parallel over (batch, head) with
 * {@link GatedDeltaHeads#chunk}. Equal to {@link JetBlockReference} up to summation order.
 */
final class JetBlockCpu implements Block {
    /** Tokens per kernel-generator pass: its output is value_dim·W floats per token (48 KiB for 2B). */
    private static final int GENERATOR_ROWS = 256;

    private final JetBlockConfig c;
    private final JetBlockWeights w;
    private final GatedDeltaHeads heads;
    private final CpuOps ops;

    JetBlockCpu(JetBlockConfig c, JetBlockWeights w, CpuOps ops) {
        this.c = c;
        this.w = w;
        this.ops = ops;
        this.heads = new GatedDeltaHeads(c.numHeads(), c.dk(), c.dv(), w.aLog(), w.dtBias(), w.oNorm(), c.normEps(), 1f);
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int batch = state.batch(), rows = batch * tokens;
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim();
        float[] xs = x.data();
        float[] q = Linear.apply(ops, xs, rows, d, w.q(), null, kd);        // [B·T, H·Dk]
        float[] k = Linear.apply(ops, xs, rows, d, w.k(), null, kd);        // [B·T, H·Dk]
        float[] v0 = Linear.apply(ops, xs, rows, d, w.v(), null, vd);       // [B·T, value_dim], raw
        float[] a = Linear.apply(ops, xs, rows, d, w.a(), null, h);         // [B·T, H]
        float[] b = Linear.apply(ops, xs, rows, d, w.b(), null, h);         // [B·T, H]
        float[] gate = Linear.apply(ops, xs, rows, d, w.gate(), null, vd);  // [B·T, H·Dv]
        float[] v = dynamicConv(xs, v0, batch, tokens, state.get(JetBlockProvider.CONV_STATE).data());
        siluRows(q, rows, kd);
        siluRows(k, rows, kd);
        siluRows(v, rows, vd);
        float[] o = new float[rows * vd];
        heads.chunk(ops, batch, tokens, q, k, v, a, b, gate, state.get(JetBlockProvider.RECURRENT_STATE).data(), o);
        ops.linear(o, 0, w.o(), 0, y.data(), 0, rows, d, vd);
    }

    /**
     * The dynamic causal conv of §3.2 over the chunk, continuing each sequence's {@code conv_state [value_dim, W]}:
     * the per-token kernels {@code [n, value_dim·W]} are generated {@link #GENERATOR_ROWS} tokens at a time.
     * Returns the conv output before its silu, {@code [B·T, value_dim]}.
     */
    private float[] dynamicConv(float[] xs, float[] v0, int batch, int tokens, float[] conv) {
        int d = c.hiddenSize(), vd = c.valueDim(), cw = c.convSize(), gh = c.generatorHidden(), kw = vd * cw;
        int block = Math.min(GENERATOR_ROWS, tokens);
        float[] hid = new float[block * gh], kern = new float[block * kw], out = new float[batch * tokens * vd];
        for (int bi = 0; bi < batch; bi++) {
            for (int t0 = 0; t0 < tokens; t0 += block) {
                int n = Math.min(block, tokens - t0), row = bi * tokens + t0;
                ops.linear(xs, row * d, w.w1(), 0, hid, 0, n, gh, d);
                siluRows(hid, n, gh);
                ops.linear(hid, 0, w.w2(), 0, kern, 0, n, kw, gh);
                Linear.addBias(kern, n, w.b2());
                ShortConvState.convolveChunk(conv, bi * kw, vd, cw, v0, row * vd, vd, n, kern, 0, kw, null, out, row * vd, vd);
            }
        }
        return out;
    }

    private void siluRows(float[] m, int rows, int width) {
        ops.parallelFor(rows, r -> Activations.siluInPlace(m, r * width, width));
    }
}
