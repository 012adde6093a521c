package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Activations;
import io.jetrt.blocks.common.BlockChecks;
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
 *   <li>the selective scan, parallel over (sequence, tile of heads of one group), see {@link #scanTile};</li>
 *   <li>gate + group RMSNorm per row, then out_proj through the GEMM straight into {@code y}.</li>
 * </ol>
 * Every per-element expression is evaluated in the same order as in the reference, so with
 * {@code PlainCpuOps} the two agree bit for bit; a BLAS GEMM only changes the projections' summation order.
 *
 * <p>Scan kernels (timings in the bundle README, from {@code Mamba2Bench}):
 * <ul>
 *   <li>kernel 1, {@link #scanHeadDirect}: in place on the {@code [P, N]} state, {@code S C} as a sequential
 *       dot over N. Not vectorised; used for chunks of 1 or 2 tokens, where it saves copying the state.</li>
 *   <li>kernel 2 (removed): a flat {@code [N, P]} copy per head, N unrolled by 4. C2 did not vectorise it
 *       either: the loop reads and writes one array at offsets that differ by a loop invariant, which it
 *       cannot prove free of aliasing.</li>
 *   <li>kernel 3, {@link #scanTile}: one array per state row over a tile of heads, every access at the same
 *       index, which C2 vectorises. The prefill without its GEMMs (2B-like shape, T = 2048) runs 2.1× as
 *       fast as with kernel 1 on 16 threads, 3.1× on 2.</li>
 * </ul>
 */
final class Mamba2Cpu implements Block {
    /** Tokens per conv task: large enough to amortise the task, small enough to split T=2048 over cores. */
    private static final int CONV_TILE = 64;
    /** Rows per gate+norm task. */
    private static final int NORM_TILE = 32;
    /** Scan tile width of kernel 3 in channels; 512 ran 2.2× kernel 2's speed, 64 (one head) only 1.2×. */
    private static final int TILE_CHANNELS = 512;
    /** Chunks shorter than this use kernel 1: copying the state in and out costs more than it saves (README). */
    private static final int DIRECT_BELOW = 3;

    private final Mamba2Config c;
    private final Mamba2Params w;
    private final CpuOps ops;
    private final float[] convWT;   // conv1d.weight transposed to [W, conv_dim], so the conv loop runs over channels
    private final int kernel;       // 0: by T; 1 or 3 forces a scan kernel (tests, benchmark)

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
        BlockChecks.chunk(c.where(), x, y, state, c.hidden());
        int batch = x.dim(0), t = x.dim(1), m = batch * t;
        if (m == 0) return;   // nothing seen, nothing changes (the conv state update below assumes T ≥ 1)
        float[] zx = Linear.apply(ops, x.data(), m, c.hidden(), w.inW(), w.inB(), c.inProjRows());
        float[] xbc = conv(zx, batch, t, state.get(Mamba2Provider.CONV_STATE).data());
        float[] ys = new float[m * c.dInner()];
        float[] ssm = state.get(Mamba2Provider.SSM_STATE).data();
        if (kernel == 1 || (kernel == 0 && t < DIRECT_BELOW)) {
            ops.parallelFor(batch * c.heads(), bh -> scanHeadDirect(bh / c.heads(), bh % c.heads(), t, zx, xbc, ssm, ys));
        } else {
            int hpt = headsPerTile(batch), hpg = c.headsPerGroup(), tilesPerGroup = (hpg + hpt - 1) / hpt;
            int tiles = batch * c.groups() * tilesPerGroup;
            ops.parallelFor(tiles, task -> {
                int b = task / (c.groups() * tilesPerGroup), rest = task % (c.groups() * tilesPerGroup);
                int h0 = (rest / tilesPerGroup) * hpg + (rest % tilesPerGroup) * hpt;
                scanTile(b, h0, Math.min(hpt, (rest / tilesPerGroup + 1) * hpg - h0), t, zx, xbc, ssm, ys);
            });
        }
        int rows = c.inProjRows(), di = c.dInner();
        ops.parallelFor((m + NORM_TILE - 1) / NORM_TILE, tile -> {
            for (int r = tile * NORM_TILE; r < Math.min(m, (tile + 1) * NORM_TILE); r++) {
                GatedRmsNorm.apply(ys, r * di, zx, r * rows, w.normW(), di, c.normGroupSize(), (float) c.normEps());
            }
        });
        ops.linear(ys, 0, w.outW(), 0, y.data(), 0, m, c.hidden(), di);
        if (w.outB() != null) Linear.addBias(y.data(), m, w.outB());
    }

    /**
     * Heads per kernel-3 tile: about {@link #TILE_CHANNELS} channels of one group (wider rows vectorise
     * better), halved while that leaves fewer than two tiles per worker.
     */
    private int headsPerTile(int batch) {
        int hpg = c.headsPerGroup(), hpt = Math.max(1, Math.min(hpg, TILE_CHANNELS / c.headDim()));
        while (hpt > 1 && batch * c.groups() * ((hpg + hpt - 1) / hpt) < 2 * ops.threads()) hpt = (hpt + 1) / 2;
        return hpt;
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
     * Kernel 3: heads {@code h0 .. h0+nh−1} of sequence b, all in group g, over T tokens. Their states are
     * copied to rows {@code st[n] [nh·P]} (channels of the tile side by side), so that per token and n the
     * update {@code st[n] = decay·st[n] + (dt·x)·B[n]} and {@code y += st[n]·C[n]} are one loop over the tile's
     * channels in which every array is read at the same index j: that is what lets C2 prove the loop free
     * of aliasing and vectorise it (a flat array with row offsets is not vectorised, see the class comment).
     */
    private void scanTile(int b, int h0, int nh, int t, float[] zx, float[] xbc, float[] ssm, float[] ys) {
        int hd = c.headDim(), n = c.stateSize(), cd = c.convDim(), di = c.dInner(), rows = c.inProjRows();
        int width = nh * hd, ch0 = h0 * hd, g = h0 / c.headsPerGroup(), s0 = (b * c.heads() + h0) * hd * n;
        float[][] st = new float[n][width];
        for (int j = 0; j < width; j++) {
            for (int k = 0; k < n; k++) st[k][j] = ssm[s0 + j * n + k];
        }
        float[] dec = new float[width], dx = new float[width], yv = new float[width];
        for (int i = 0; i < t; i++) {
            int row = b * t + i, xo = row * cd + ch0, bo = row * cd + di + g * n, co = bo + c.groups() * n;
            for (int hh = 0; hh < nh; hh++) {
                int h = h0 + hh;
                float dt = Activations.softplus(zx[row * rows + di + cd + h] + w.dtBias()[h]);
                float decay = (float) Math.exp(dt * w.a()[h]);
                for (int j = hh * hd; j < (hh + 1) * hd; j++) {
                    dec[j] = decay;
                    dx[j] = dt * xbc[xo + j];
                    yv[j] = 0f;
                }
            }
            for (int k = 0; k < n; k++) {
                float bk = xbc[bo + k], ck = xbc[co + k];
                float[] r = st[k];
                for (int j = 0; j < width; j++) {
                    float v = dec[j] * r[j] + dx[j] * bk;
                    r[j] = v;
                    yv[j] += v * ck;
                }
            }
            int yo = row * di + ch0;
            for (int j = 0; j < width; j++) ys[yo + j] = yv[j] + w.d()[ch0 + j] * xbc[xo + j];
        }
        for (int j = 0; j < width; j++) {
            for (int k = 0; k < n; k++) ssm[s0 + j * n + k] = st[k][j];
        }
    }

    /**
     * Kernel 1: head h of sequence b, in place on its {@code [P, N]} state; {@code y[p] = S[p]·C} is a
     * sequential dot over N (C2 does not vectorise it), but nothing is copied, which wins for one token.
     */
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
