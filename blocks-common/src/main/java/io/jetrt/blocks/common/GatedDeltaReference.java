package io.jetrt.blocks.common;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * A block of the gated-delta family as the literal per-token recurrence in float32: plain loops, no threads, no
 * BLAS. Per token {@code x_t [D]}: the raw projections {@code q, k [H·Dk]}, {@code v [H·Dv]}; the block's front end
 * ({@link #frontEndToken}) turns them into the rule's inputs; {@code a, b [H]} and the gate {@code [H·Dv]}; the gated
 * delta rule per head with its norm-then-gate output ({@link GatedDeltaHeads#referenceToken}); {@code y = Wo o}.
 *
 * @param <C> the block's config
 * @param <W> the block's weights
 */
public abstract class GatedDeltaReference<C extends GatedDeltaConfig, W extends GatedDeltaWeights> implements Block {
    protected final C c;
    protected final W w;
    private final GatedDeltaHeads heads;

    protected GatedDeltaReference(C c, W w) {
        this.c = c;
        this.w = w;
        this.heads = c.heads(w);
    }

    /**
     * One token of sequence {@code bi}: {@code q, k, v} hold its raw projections on entry and the rule's inputs on
     * exit; the sequence's conv caches in {@code state} take the token. {@code x[xo, xo + D)} is the token's input.
     */
    protected abstract void frontEndToken(BlockState state, int bi, float[] x, int xo, float[] q, float[] k, float[] v);

    @Override
    public final void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim();
        float[] rec = state.get(GatedDeltaProvider.RECURRENT_STATE).data();
        float[] q = new float[kd], k = new float[kd], v = new float[vd];
        float[] a = new float[h], b = new float[h], gate = new float[vd], o = new float[vd];
        float[] xs = x.data(), ys = y.data();
        for (int bi = 0; bi < state.batch(); bi++) {
            for (int t = 0; t < tokens; t++) {
                int xo = (bi * tokens + t) * d;
                NaiveLinear.apply(w.q(), null, xs, xo, q, 0, kd, d);
                NaiveLinear.apply(w.k(), null, xs, xo, k, 0, kd, d);
                NaiveLinear.apply(w.v(), null, xs, xo, v, 0, vd, d);
                frontEndToken(state, bi, xs, xo, q, k, v);
                NaiveLinear.apply(w.a(), null, xs, xo, a, 0, h, d);
                NaiveLinear.apply(w.b(), null, xs, xo, b, 0, h, d);
                NaiveLinear.apply(w.gate(), null, xs, xo, gate, 0, vd, d);
                heads.referenceToken(rec, bi * heads.stateSize(), q, k, v, a, b, gate, o);
                NaiveLinear.apply(w.o(), null, o, 0, ys, xo, d, vd);
            }
        }
    }
}
