package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaCpu;
import io.jetrt.blocks.common.Linear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;

/**
 * JetBlock on the CPU, fast ({@link GatedDeltaCpu}); its front end is silu on q and k and the dynamic conv of v
 * over the chunk. Equal to {@link JetBlockReference} up to summation order.
 */
final class JetBlockCpu extends GatedDeltaCpu<JetBlockConfig, JetBlockWeights> {
    /** Tokens per kernel-generator pass: its output is value_dim·W floats per token (48 KiB for 2B). */
    private static final int GENERATOR_ROWS = 256;

    JetBlockCpu(JetBlockConfig c, JetBlockWeights w, CpuOps ops) { super(c, w, ops); }

    @Override
    protected Qkv frontEnd(float[] x, Qkv raw, BlockState state, int batch, int tokens) {
        int rows = batch * tokens, kd = c.keyDim(), vd = c.valueDim();
        float[] v = dynamicConv(x, raw.v(), batch, tokens, state.get(JetBlockProvider.CONV_STATE).data());
        siluRows(raw.q(), rows, kd);
        siluRows(raw.k(), rows, kd);
        siluRows(v, rows, vd);
        return new Qkv(raw.q(), raw.k(), v);
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
}
