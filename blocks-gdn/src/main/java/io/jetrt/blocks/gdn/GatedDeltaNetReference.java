package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.GatedDeltaHeads;
import io.jetrt.blocks.common.NaiveLinear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * fla's GatedDeltaNet as the literal per-token recurrence in float32 (BLOCKS.md §5): plain loops, no threads,
 * no BLAS. The spec in code; {@link GatedDeltaNetCpu} must equal it.
 *
 * <p>Per token {@code x_t [D]}: q, k, v = {@code silu(short_conv(W x))}, each conv over its own cache of raw
 * projections; the gated delta rule per head; norm-then-gate with {@code silu(Wg x)}; {@code y = Wo o}.
 * State per sequence: {@code q_conv_state, k_conv_state [H·Dk, W]}, {@code v_conv_state [H·Dv, W]},
 * {@code recurrent_state [H, Dk, Dv]}.
 */
final class GatedDeltaNetReference implements Block {
    private final GatedDeltaNetConfig c;
    private final GatedDeltaNetWeights w;
    private final GatedDeltaHeads heads;

    GatedDeltaNetReference(GatedDeltaNetConfig c, GatedDeltaNetWeights w) {
        this.c = c;
        this.w = w;
        this.heads = new GatedDeltaHeads(c.numHeads(), c.dk(), c.dv(), w.aLog(), w.dtBias(), w.oNorm(), c.normEps(), c.betaScale());
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int tokens = BlockChecks.chunk(c.where(), x, y, state, c.hiddenSize());
        int d = c.hiddenSize(), h = c.numHeads(), kd = c.keyDim(), vd = c.valueDim(), cw = c.convSize();
        float[] qcs = state.get(GatedDeltaNetProvider.Q_CONV_STATE).data();
        float[] kcs = state.get(GatedDeltaNetProvider.K_CONV_STATE).data();
        float[] vcs = state.get(GatedDeltaNetProvider.V_CONV_STATE).data();
        float[] rec = state.get(GatedDeltaNetProvider.RECURRENT_STATE).data();
        float[] raw = new float[Math.max(kd, vd)], q = new float[kd], k = new float[kd], v = new float[vd];
        float[] a = new float[h], b = new float[h], gate = new float[vd], o = new float[vd];
        float[] xs = x.data(), ys = y.data();
        for (int bi = 0; bi < state.batch(); bi++) {
            for (int t = 0; t < tokens; t++) {
                int xo = (bi * tokens + t) * d;
                NaiveLinear.apply(w.q(), null, xs, xo, raw, 0, kd, d);
                shortConv(qcs, bi * kd * cw, kd, raw, w.qConv(), w.qBias(), q);
                NaiveLinear.apply(w.k(), null, xs, xo, raw, 0, kd, d);
                shortConv(kcs, bi * kd * cw, kd, raw, w.kConv(), w.kBias(), k);
                NaiveLinear.apply(w.v(), null, xs, xo, raw, 0, vd, d);
                shortConv(vcs, bi * vd * cw, vd, raw, w.vConv(), w.vBias(), v);
                NaiveLinear.apply(w.a(), null, xs, xo, a, 0, h, d);
                NaiveLinear.apply(w.b(), null, xs, xo, b, 0, h, d);
                NaiveLinear.apply(w.gate(), null, xs, xo, gate, 0, vd, d);
                heads.referenceToken(rec, bi * heads.stateSize(), q, k, v, a, b, gate, o);
                NaiveLinear.apply(w.o(), null, o, 0, ys, xo, d, vd);
            }
        }
    }

    /** One decode step of a short conv: push the raw projection, convolve with the static weight, silu. */
    private void shortConv(float[] cache, int off, int channels, float[] raw, float[] weight, float[] bias, float[] out) {
        ShortConvState.push(cache, off, channels, c.convSize(), raw, 0);
        ShortConvState.convolve(cache, off, channels, c.convSize(), weight, 0, bias, out, 0);
        Activations.siluInPlace(out, 0, channels);
    }
}
