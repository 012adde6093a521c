package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.GatedDeltaHeads;
import io.jetrt.blocks.common.NaiveLinear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * JetBlock as the literal per-token recurrence in float32 (BLOCKS.md §3.1–3.5): plain loops, no threads,
 * no BLAS. The spec in code; {@link JetBlockCpu} must equal it.
 *
 * <p>Per token {@code x_t [D]}: {@code q, k = silu(W x) [H, Dk]}; {@code v0 = Wv x [value_dim]} pushed into
 * the conv cache; {@code v = silu(Σ_w cache[c, w]·K_t[c, w]) [H, Dv]} with {@code K_t = w2(silu(w1 x)) + b2};
 * the gated delta rule per head; norm-then-gate with {@code silu(Wg x)}; {@code y = Wo o}.
 * State per sequence: {@code conv_state [value_dim, W]}, {@code recurrent_state [H, Dk, Dv]}.
 */
final class JetBlockReference implements Block {
    private final JetBlockConfig c;
    private final JetBlockWeights w;
    private final GatedDeltaHeads heads;

    JetBlockReference(JetBlockConfig c, JetBlockWeights w) {
        this.c = c;
        this.w = w;
        this.heads = new GatedDeltaHeads(c.numHeads(), c.dk(), c.dv(), w.aLog(), w.dtBias(), w.oNorm(), c.normEps(), 1f);
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim(), gh = c.generatorHidden(), cw = c.convSize();
        float[] conv = state.get(JetBlockProvider.CONV_STATE).data();
        float[] rec = state.get(JetBlockProvider.RECURRENT_STATE).data();
        float[] q = new float[kd], k = new float[kd], v0 = new float[vd], v = new float[vd];
        float[] hid = new float[gh], kern = new float[vd * cw];
        float[] a = new float[h], b = new float[h], gate = new float[vd], o = new float[vd];
        float[] xs = x.data(), ys = y.data();
        for (int bi = 0; bi < state.batch(); bi++) {
            for (int t = 0; t < tokens; t++) {
                int xo = (bi * tokens + t) * d;
                NaiveLinear.apply(w.q(), null, xs, xo, q, 0, kd, d);
                Activations.siluInPlace(q, 0, kd);
                NaiveLinear.apply(w.k(), null, xs, xo, k, 0, kd, d);
                Activations.siluInPlace(k, 0, kd);
                NaiveLinear.apply(w.v(), null, xs, xo, v0, 0, vd, d);
                // the kernel generator reads the block input x, not v0 (§3.2)
                NaiveLinear.apply(w.w1(), null, xs, xo, hid, 0, gh, d);
                Activations.siluInPlace(hid, 0, gh);
                NaiveLinear.apply(w.w2(), w.b2(), hid, 0, kern, 0, vd * cw, gh);
                ShortConvState.push(conv, bi * vd * cw, vd, cw, v0, 0);
                ShortConvState.convolve(conv, bi * vd * cw, vd, cw, kern, 0, null, v, 0);
                Activations.siluInPlace(v, 0, vd);
                NaiveLinear.apply(w.a(), null, xs, xo, a, 0, h, d);
                NaiveLinear.apply(w.b(), null, xs, xo, b, 0, h, d);
                NaiveLinear.apply(w.gate(), null, xs, xo, gate, 0, vd, d);
                heads.referenceToken(rec, bi * heads.stateSize(), q, k, v, a, b, gate, o);
                NaiveLinear.apply(w.o(), null, o, 0, ys, xo, d, vd);
            }
        }
    }
}
