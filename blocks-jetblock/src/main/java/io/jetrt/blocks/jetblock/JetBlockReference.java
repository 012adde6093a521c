package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.GatedDeltaReference;
import io.jetrt.blocks.common.NaiveLinear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.BlockState;

/**
 * JetBlock as the literal per-token recurrence in float32 (BLOCKS.md §3.1–3.5): plain loops, no threads,
 * no BLAS. The spec in code; {@link JetBlockCpu} must equal it.
 *
 * <p>Per token {@code x_t [D]}: {@code q, k = silu(W x) [H, Dk]}; {@code v0 = Wv x [value_dim]} pushed into
 * the conv cache; {@code v = silu(Σ_w cache[c, w]·K_t[c, w]) [H, Dv]} with {@code K_t = w2(silu(w1 x)) + b2};
 * the gated delta rule per head; norm-then-gate with {@code silu(Wg x)}; {@code y = Wo o}
 * ({@link GatedDeltaReference}). State per sequence: {@code conv_state [value_dim, W]}, {@code recurrent_state [H, Dk, Dv]}.
 */
final class JetBlockReference extends GatedDeltaReference<JetBlockConfig, JetBlockWeights> {
    JetBlockReference(JetBlockConfig c, JetBlockWeights w) { super(c, w); }

    @Override
    protected void frontEndToken(BlockState state, int bi, float[] x, int xo, float[] q, float[] k, float[] v) {
        int d = c.hiddenSize(), vd = c.valueDim(), gh = c.generatorHidden(), cw = c.convSize();
        float[] conv = state.get(JetBlockProvider.CONV_STATE).data();
        float[] hid = new float[gh], kern = new float[vd * cw];
        Activations.siluInPlace(q, 0, c.keyDim());
        Activations.siluInPlace(k, 0, c.keyDim());
        // the kernel generator reads the block input x, not v0 (§3.2)
        NaiveLinear.apply(w.w1(), null, x, xo, hid, 0, gh, d);
        Activations.siluInPlace(hid, 0, gh);
        NaiveLinear.apply(w.w2(), w.b2(), hid, 0, kern, 0, vd * cw, gh);
        ShortConvState.push(conv, bi * vd * cw, vd, cw, v, 0);
        ShortConvState.convolve(conv, bi * vd * cw, vd, cw, kern, 0, null, v, 0);
        Activations.siluInPlace(v, 0, vd);
    }
}
