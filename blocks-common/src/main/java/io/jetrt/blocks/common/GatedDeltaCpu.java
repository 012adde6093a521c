package io.jetrt.blocks.common;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;

/**
 * A block of the gated-delta family on the CPU, fast: the six projections over the whole chunk {@code [B·T, D]}
 * through the runtime's GEMM, the block's q/k/v front end over the chunk ({@link #frontEnd}), the gated delta rule
 * parallel over (batch, head) with {@link GatedDeltaHeads#chunk}, then o_proj. Equal to the block's
 * {@link GatedDeltaReference} up to summation order.
 *
 * @param <C> the block's config
 * @param <W> the block's weights
 */
public abstract class GatedDeltaCpu<C extends GatedDeltaConfig, W extends GatedDeltaWeights> implements Block {
    protected final C c;
    protected final W w;
    protected final CpuOps ops;
    private final GatedDeltaHeads heads;

    protected GatedDeltaCpu(C c, W w, CpuOps ops) {
        this.c = c;
        this.w = w;
        this.ops = ops;
        this.heads = c.heads(w);
    }

    /** The rule's inputs {@code q, k [B·T, H·Dk]}, {@code v [B·T, H·Dv]}, or the raw projections of the same shapes. */
    public record Qkv(float[] q, float[] k, float[] v) {}

    /**
     * From the raw projections of the chunk {@code x [B·T, D]} to the rule's inputs, after their activations;
     * continues and updates each sequence's conv caches in {@code state}. May overwrite {@code raw}.
     */
    protected abstract Qkv frontEnd(float[] x, Qkv raw, BlockState state, int batch, int tokens);

    @Override
    public final void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int batch = state.batch(), rows = batch * tokens;
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim();
        float[] xs = x.data();
        Qkv raw = new Qkv(Linear.apply(ops, xs, rows, d, w.q(), null, kd),     // [B·T, H·Dk]
                Linear.apply(ops, xs, rows, d, w.k(), null, kd),               // [B·T, H·Dk]
                Linear.apply(ops, xs, rows, d, w.v(), null, vd));              // [B·T, H·Dv]
        float[] a = Linear.apply(ops, xs, rows, d, w.a(), null, h);            // [B·T, H]
        float[] b = Linear.apply(ops, xs, rows, d, w.b(), null, h);            // [B·T, H]
        float[] gate = Linear.apply(ops, xs, rows, d, w.gate(), null, vd);     // [B·T, H·Dv]
        Qkv in = frontEnd(xs, raw, state, batch, tokens);
        float[] o = new float[rows * vd];
        heads.chunk(ops, batch, tokens, in.q(), in.k(), in.v(), a, b, gate,
                state.get(GatedDeltaProvider.RECURRENT_STATE).data(), o);
        ops.linear(o, 0, w.o(), 0, y.data(), 0, rows, d, vd);
    }

    /** silu in place over {@code m [rows, width]}, rows in parallel. */
    protected final void siluRows(float[] m, int rows, int width) {
        ops.parallelFor(rows, r -> Activations.siluInPlace(m, r * width, width));
    }
}
