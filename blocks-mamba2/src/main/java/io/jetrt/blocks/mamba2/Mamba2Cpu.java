package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.Linear;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;

/**
 * The Mamba2 mixer on the CPU, equal to {@link Mamba2Reference}. One call processes the whole chunk
 * {@code [B, T, D]} in four passes:
 * <ol>
 *   <li>in_proj over all {@code B·T} rows through the runtime's GEMM: {@code zx [B·T, 2·d_inner + 2·G·N + H]};</li>
 *   <li>causal depthwise conv + silu, parallel over (sequence, tile of tokens), channels innermost;</li>
 *   <li>the selective scan, parallel over (sequence, head), see {@link #scanHead};</li>
 *   <li>gate + group RMSNorm per row, then out_proj through the GEMM straight into {@code y}.</li>
 * </ol>
 * Every per-element expression is evaluated in the same order as in the reference, so with
 * {@code PlainCpuOps} the two agree bit for bit; a BLAS GEMM only changes the projections' summation order.
 *
 * <p>Scan kernels (2B-like head: P=64, N=128, T=2048, 2 cores, AVX-512; see the bundle README):
 * kernel 1 keeps the upstream {@code [P, N]} layout and reduces {@code S C} over N per row; kernel 2 works
 * on a {@code [N, P]} copy so that both the state update and {@code y += S[n]·C[n]} are axpys over P,
 * with N unrolled by 4 to keep {@code y} in registers. Kernel 2 is the default for prefill; a decode step
 * (T=1) uses kernel 1, which saves transposing the state for a single token.
 */
final class Mamba2Cpu implements Block {
    /** Tokens per conv task: large enough to amortise the task, small enough to split T=2048 over cores. */
    private static final int CONV_TILE = 64;
    /** Rows per gate+norm task. */
    private static final int NORM_TILE = 32;

    private final Mamba2Config c;
    private final Mamba2Params w;
    private final CpuOps ops;
    private final float[] convWT;   // conv1d.weight transposed to [W, conv_dim], so the conv loop runs over channels
    private final int kernel;       // 0: by T; 1 or 2 forces a scan kernel (tests, benchmark)

    Mamba2Cpu(Mamba2Config c, Mamba2Params w, CpuOps ops) { this(c, w, ops, 0); }

    Mamba2Cpu(Mamba2Config c, Mamba2Params w, CpuOps ops, int kernel) {
        this.c = c;
        this.w = w;
        this.ops = ops;
        this.kernel = kernel;
        int cd = c.convDim(), kw = c.convKernel();
        convWT = new float[kw * cd];
        for (int ch = 0; ch < cd; ch++) {
            for (int k = 0; k < kw; k++) convWT[k * cd + ch] = w.convW()[ch * kw + k];
        }
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int batch = x.dim(0), t = x.dim(1), m = batch * t;
        float[] zx = Linear.apply(ops, x.data(), m, c.hidden(), w.inW(), w.inB(), c.inProjRows());
        long T0=System.nanoTime(); float[] xbc = conv(zx, batch, t, state.get(Mamba2Provider.CONV_STATE).data()); long T1=System.nanoTime();
        float[] ys = new float[m * c.dInner()];
        float[] ssm = state.get(Mamba2Provider.SSM_STATE).data();
        boolean direct = kernel == 1 || (kernel == 0 && t == 1);
        ops.parallelFor(batch * c.heads(), bh -> {
            if (direct) scanHeadDirect(bh / c.heads(), bh % c.heads(), t, zx, xbc, ssm, ys);
            else scanHead(bh / c.heads(), bh % c.heads(), t, zx, xbc, ssm, ys);
        });
        long T2=System.nanoTime(); int rows = c.inProjRows(), di = c.dInner();
        ops.parallelFor((m + NORM_TILE - 1) / NORM_TILE, tile -> {
            for (int r = tile * NORM_TILE; r < Math.min(m, (tile + 1) * NORM_TILE); r++) {
                GatedRmsNorm.apply(ys, r * di, zx, r * rows, w.normW(), di, c.normGroupSize(), (float) c.normEps());
            }
        });
        long T3=System.nanoTime(); if (t>1) System.err.printf("conv %.1f scan %.1f norm %.1f%n", (T1-T0)/1e6,(T2-T1)/1e6,(T3-T2)/1e6);
        ops.linear(ys, 0, w.outW(), 0, y.data(), 0, m, c.hidden(), di);
        if (w.outB() != null) {
            for (int r = 0; r < m; r++) {
                for (int o = 0; o < c.hidden(); o++) y.data()[r * c.hidden() + o] += w.outB()[o];
            }
        }
    }

    /**
     * Causal depthwise conv + bias + silu of the xBC columns of {@code zx}; returns {@code xbc [B·T, conv_dim]}
     * and leaves the last W raw inputs of each sequence in {@code convState [B, conv_dim, W]}.
     */
    private float[] conv(float[] zx, int batch, int t, float[] convState) {
        int cd = c.convDim(), kw = c.convKernel(), rows = c.inProjRows(), di = c.dInner();
        // prev [B, W−1, conv_dim]: old slots 1..W−1, the inputs before this chunk, channels innermost
        float[] prev = new float[batch * (kw - 1) * cd];
        for (int b = 0; b < batch; b++) {
            for (int ch = 0; ch < cd; ch++) {
                int s = (b * cd + ch) * kw;
                for (int j = 0; j < kw - 1; j++) prev[(b * (kw - 1) + j) * cd + ch] = convState[s + j + 1];
                // new slot j holds token T−W+j, or old slot j+T when the chunk is shorter than W
                for (int j = 0; j < kw; j++) {
                    int tau = t - kw + j;
                    convState[s + j] = tau >= 0 ? zx[(b * t + tau) * rows + di + ch] : prev[(b * (kw - 1) + j + t - 1) * cd + ch];
                }
            }
        }
        float[] xbc = new float[batch * t * cd];
        int tiles = (t + CONV_TILE - 1) / CONV_TILE;
        ops.parallelFor(batch * tiles, task -> {
            int b = task / tiles, i0 = (task % tiles) * CONV_TILE;
            for (int i = i0; i < Math.min(t, i0 + CONV_TILE); i++) {
                int o = (b * t + i) * cd;
                for (int k = 0; k < kw; k++) {
                    int tau = i - (kw - 1) + k;   // the token slot k reads; < 0 reaches into the state
                    float[] src = tau >= 0 ? zx : prev;
                    int so = tau >= 0 ? (b * t + tau) * rows + di : (b * (kw - 1) + kw - 1 + tau) * cd;
                    int ko = k * cd;
                    for (int ch = 0; ch < cd; ch++) xbc[o + ch] += src[so + ch] * convWT[ko + ch];
                }
                if (w.convB() != null) {
                    for (int ch = 0; ch < cd; ch++) xbc[o + ch] += w.convB()[ch];
                }
                Activations.siluInPlace(xbc, o, cd);
            }
        });
        return xbc;
    }

    /**
     * Kernel 2: head h of sequence b over T tokens, on a transposed copy {@code st [N, P]} of its state
     * {@code [P, N]}. Per token: {@code st[n] = decay·st[n] + (dt·x)·B[n]} and {@code y += st[n]·C[n]},
     * both over P; N is unrolled by 4, added left to right so the sum order stays the reference's.
     */
    private void scanHead(int b, int h, int t, float[] zx, float[] xbc, float[] ssm, float[] ys) {
        int hd = c.headDim(), n = c.stateSize(), cd = c.convDim(), di = c.dInner(), rows = c.inProjRows();
        int s0 = (b * c.heads() + h) * hd * n, g = h / c.headsPerGroup();
        float[] st = new float[n * hd];
        for (int p = 0; p < hd; p++) {
            for (int k = 0; k < n; k++) st[k * hd + p] = ssm[s0 + p * n + k];
        }
        float[] dx = new float[hd], yv = new float[hd];
        float a = w.a()[h], bias = w.dtBias()[h];
        for (int i = 0; i < t; i++) {
            int row = b * t + i, xo = row * cd + h * hd, bo = row * cd + di + g * n, co = bo + c.groups() * n;
            float dt = Activations.softplus(zx[row * rows + di + cd + h] + bias);
            float decay = (float) Math.exp(dt * a);
            for (int p = 0; p < hd; p++) {
                dx[p] = dt * xbc[xo + p];
                yv[p] = 0f;
            }
            int k = 0;
            for (; k + 4 <= n; k += 4) {
                float b0 = xbc[bo + k], b1 = xbc[bo + k + 1], b2 = xbc[bo + k + 2], b3 = xbc[bo + k + 3];
                float c0 = xbc[co + k], c1 = xbc[co + k + 1], c2 = xbc[co + k + 2], c3 = xbc[co + k + 3];
                int o0 = k * hd, o1 = o0 + hd, o2 = o1 + hd, o3 = o2 + hd;
                for (int p = 0; p < hd; p++) {
                    float v0 = decay * st[o0 + p] + dx[p] * b0;
                    float v1 = decay * st[o1 + p] + dx[p] * b1;
                    float v2 = decay * st[o2 + p] + dx[p] * b2;
                    float v3 = decay * st[o3 + p] + dx[p] * b3;
                    st[o0 + p] = v0;
                    st[o1 + p] = v1;
                    st[o2 + p] = v2;
                    st[o3 + p] = v3;
                    yv[p] = yv[p] + v0 * c0 + v1 * c1 + v2 * c2 + v3 * c3;
                }
            }
            for (; k < n; k++) {
                float bk = xbc[bo + k], ck = xbc[co + k];
                int o = k * hd;
                for (int p = 0; p < hd; p++) {
                    float v = decay * st[o + p] + dx[p] * bk;
                    st[o + p] = v;
                    yv[p] += v * ck;
                }
            }
            int yo = row * di + h * hd;
            for (int p = 0; p < hd; p++) ys[yo + p] = yv[p] + w.d()[h * hd + p] * xbc[xo + p];
        }
        for (int p = 0; p < hd; p++) {
            for (int k = 0; k < n; k++) ssm[s0 + p * n + k] = st[k * hd + p];
        }
    }

    /** Kernel 1: as {@link #scanHead} but in place on the {@code [P, N]} state, reducing {@code S C} over N. */
    private void scanHeadDirect(int b, int h, int t, float[] zx, float[] xbc, float[] ssm, float[] ys) {
        int hd = c.headDim(), n = c.stateSize(), cd = c.convDim(), di = c.dInner(), rows = c.inProjRows();
        int s0 = (b * c.heads() + h) * hd * n, g = h / c.headsPerGroup();
        float a = w.a()[h], bias = w.dtBias()[h];
        for (int i = 0; i < t; i++) {
            int row = b * t + i, xo = row * cd + h * hd, bo = row * cd + di + g * n, co = bo + c.groups() * n;
            float dt = Activations.softplus(zx[row * rows + di + cd + h] + bias);
            float decay = (float) Math.exp(dt * a);
            int yo = row * di + h * hd;
            for (int p = 0; p < hd; p++) {
                float dxp = dt * xbc[xo + p], acc = 0f;
                int s = s0 + p * n;
                for (int k = 0; k < n; k++) {
                    float v = decay * ssm[s + k] + dxp * xbc[bo + k];
                    ssm[s + k] = v;
                    acc += v * xbc[co + k];
                }
                ys[yo + p] = acc + w.d()[h * hd + p] * xbc[xo + p];
            }
        }
    }
}
