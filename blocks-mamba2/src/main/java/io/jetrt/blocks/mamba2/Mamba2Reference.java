package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.NaiveLinear;
import io.jetrt.blocks.common.ShortConvState;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * The Mamba2 mixer as the literal per-token recurrence in float32 (BLOCKS.md §6, §8): plain loops, no
 * threads, no chunking. It is the spec in code; {@link Mamba2Cpu} must equal it.
 *
 * <p>Per token {@code x_t [D]}:
 * <pre>
 * [z | xBC_raw | dt_raw] = in_proj(x_t)                      [d_inner | conv_dim | H]
 * conv_state ← roll_left(conv_state); conv_state[:, W−1] = xBC_raw
 * xBC = silu(Σ_w conv_state[:, w]·conv1d.weight[:, 0, w] + conv1d.bias)
 * x [H, P], B [G, N], C [G, N] = split(xBC); head h reads group h / (H/G)
 * dt = softplus(dt_raw + dt_bias); S_h ← exp(dt·A)·S_h + dt·x_h B_gᵀ; y_h = S_h C_g + D·x_h
 * y = RMSNorm_group(y·silu(z))·norm.weight;  out = out_proj(y)
 * </pre>
 * State: {@code conv_state [B, conv_dim, W]} (raw xBC, oldest first), {@code ssm_state [B, H, P, N]}.
 */
final class Mamba2Reference implements Block {
    private final Mamba2Config c;
    private final Mamba2Params w;

    Mamba2Reference(Mamba2Config c, Mamba2Params w) {
        this.c = c;
        this.w = w;
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        BlockChecks.chunk(c.where(), x, y, state, c.hidden());
        int batch = x.dim(0), t = x.dim(1), dm = c.hidden();
        float[] convState = state.get(Mamba2Provider.CONV_STATE).data(), ssm = state.get(Mamba2Provider.SSM_STATE).data();
        float[] zxbcdt = new float[c.inProjRows()];   // [z | xBC_raw | dt_raw]
        float[] xbc = new float[c.convDim()];         // after conv and silu: [x | B | C]
        float[] out = new float[c.dInner()];          // y before out_proj
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                int row = (b * t + i) * dm;
                NaiveLinear.apply(w.inW(), w.inB(), x.data(), row, zxbcdt, 0, c.inProjRows(), dm);
                conv(convState, b, zxbcdt, xbc);
                scan(ssm, b, zxbcdt, xbc, out);
                GatedRmsNorm.apply(out, 0, zxbcdt, 0, w.normW(), c.dInner(), c.normGroupSize(), (float) c.normEps());
                NaiveLinear.apply(w.outW(), w.outB(), out, 0, y.data(), row, dm, c.dInner());
            }
        }
    }

    /** Rolls sequence b's conv state left, writes this token's raw xBC last, and convolves. */
    private void conv(float[] convState, int b, float[] zxbcdt, float[] xbc) {
        int cd = c.convDim(), kw = c.convKernel(), off = b * cd * kw;
        ShortConvState.push(convState, off, cd, kw, zxbcdt, c.dInner());
        ShortConvState.convolve(convState, off, cd, kw, w.convW(), 0, w.convB(), xbc, 0);
        for (int ch = 0; ch < cd; ch++) xbc[ch] = Activations.silu(xbc[ch]);
    }

    /** One step of every head of sequence b; writes y [d_inner] = S C + D·x. */
    private void scan(float[] ssm, int b, float[] zxbcdt, float[] xbc, float[] out) {
        int hd = c.headDim(), n = c.stateSize(), di = c.dInner(), gn = c.groups() * n;
        for (int h = 0; h < c.heads(); h++) {
            int g = h / c.headsPerGroup();
            int bOff = di + g * n, cOff = di + gn + g * n;
            float dt = Activations.softplus(zxbcdt[di + c.convDim() + h] + w.dtBias()[h]);
            float decay = (float) Math.exp(dt * w.a()[h]);
            for (int p = 0; p < hd; p++) {
                int ch = h * hd + p;
                float xv = xbc[ch];
                int s = ((b * c.heads() + h) * hd + p) * n;
                float acc = 0f;
                for (int k = 0; k < n; k++) {
                    ssm[s + k] = decay * ssm[s + k] + dt * xv * xbc[bOff + k];
                    acc += ssm[s + k] * xbc[cOff + k];
                }
                out[ch] = acc + w.d()[ch] * xv;
            }
        }
    }
}
