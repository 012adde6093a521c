/*
gated_delta_grad.cuh: the training (backward) kernels of the gated delta rule, shared by JetBlock and gated
DeltaNet; included by blocks-gdn/src/main/cuda/gdn.cu and blocks-jetblock/src/main/cuda/jetblock.cu. Java launcher:
blocks-common io.jetrt.blocks.common.GatedDeltaHeadsCuda. Java reference: io.jetrt.blocks.common.grad.FastGatedDeltaHeads (the
same recursion in float32 on the CPU), itself tested against the float64 GatedDeltaHeadsGrad and the fixtures.

Per (batch, head), with qn, kn, g, beta of gdr_prep_kernel1 (qn scaled by Dk^-1/2), alpha = e^g:
  forward   u_t = beta (v_t - alpha S_{t-1}^T k_t),  S_t = alpha S_{t-1} + k_t u_t^T,  o_t = S_t^T q_t
  backward  (dS carried from t+1, dO_t the loss's gradient at o_t)
            dq = S_t dO;  dS += q dO^T;  du = dS^T k;  e = beta du (= dv);  dbeta = du . (v - alpha S_{t-1}^T k)
            dk = dS u - alpha S_{t-1} e;  dS' = dS - k e^T;  dg = alpha sum(dS' * S_{t-1});  dS_{t-1} = alpha dS'
Every state column j is its own recursion: a block owns 32 columns and all Dk rows, as gdr_prefill_kernel1
(thread (tx, ty): column 32 blockIdx.x + tx, rows ty, ty + 8, ...). Sums over rows (du, S^T k) go through shared
memory; sums over columns (dq, dk, dbeta, dg) are per block partials, summed by the next kernel: no atomics, so
every result is reproducible bit for bit.

Kernels (version 1 each; they are the reference a faster chunked form would be tested against):
  gdr_grad_forward_kernel1   the forward scan from a zero state: o [B*T, H*Dv] and the state entering every chunk of
                             GDRG_C tokens, ckpt [B, H, NC, Dk, Dv] (NC = ceil(T / GDRG_C)).
                             Launch: grid (ceil(Dv/32), H, B), block (32, 8).
  gdr_grad_backward_kernel1  walks the chunks backwards: recomputes the chunk's states from its checkpoint into
                             `work` (GDRG_C Dk 32 floats per block), then the recursion above token by token.
                             Writes dv [B*T, H*Dv] (row stride dv_stride) and, per column block cb (NB of them),
                             dqp, dkp [NB, B*T, H*Dk], dbp [NB, B*T, H]; per (cb, ty) dgp [NB*8, B*T, H].
                             Launch: grid (NB = ceil(Dv/32), H, B), block (32, 8).
  gdr_grad_prep_kernel1      per (row, head), one warp: sums the partials (nb of dq, dk, dbeta; ng of dg), takes dqn, dkn back through the L2 norms (in double)
                             (and silu when silu_qk) into dq, dk (row strides), dg to da (into da, row stride ab_stride)
                             and per-row partials of dA_log and ddt_bias [rows, H]; dbeta to db.
                             Launch: grid ceil(rows*H/4), block 128.
  gdr_grad_norm_kernel1      the gated RMSNorm's backward per (row, head): from o (before the norm), gate, w and dy:
                             do [rows, H*Dv], dgate (row stride), and w's per-row partials dwp [rows*H, Dv].
                             Launch: grid rows*H, block 128. The reference of:
  gdr_grad_norm_kernel2      kernel1's math with one warp per (row, head), 8 per block (as gdr_out_norm_kernel2).
                             Launch: grid ceil(rows*H / 8), block 256.
(The weights' per-row partials are summed by grad_sum_rows_kernel1 of grad_sum_rows.cuh.)
*/
#pragma once
#include "common.cuh"
#include "gated_delta_rule.cuh"
#include "grad_sum_rows.cuh"
#include "tile64.cuh"

#define GDRG_C 32 // tokens between checkpoints

extern "C" __global__ void __launch_bounds__(GDR_COLS * GDR_ROWS)
gdr_grad_forward_kernel1(float* __restrict__ o, float* __restrict__ ckpt, const float* __restrict__ qn,
                         const float* __restrict__ kn, const float* __restrict__ v, int v_stride,
                         const float* __restrict__ gbq, int tokens, int heads, int dk, int dv) {
    __shared__ float red[2][GDR_ROWS][GDR_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int j = blockIdx.x * GDR_COLS + tx, h = blockIdx.y, bi = blockIdx.z;
    const bool col = j < dv;
    const int nc = (tokens + GDRG_C - 1) / GDRG_C;
    float s[GDR_PER_THREAD];
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) s[r] = 0.0f;
    for (int t = 0; t < tokens; t++) {
        if (t % GDRG_C == 0) {
            float* C = ckpt + (((long long)bi * heads + h) * nc + t / GDRG_C) * dk * dv;
#pragma unroll
            for (int r = 0; r < GDR_PER_THREAD; r++) {
                int i = ty + r * GDR_ROWS;
                if (col && i < dk) C[(long long)i * dv + j] = s[r];
            }
        }
        long long row = (long long)bi * tokens + t;
        const float* kt = kn + (row * heads + h) * dk;
        const float* qt = qn + (row * heads + h) * dk;
        const float* gq = gbq + (row * heads + h) * 3;
        const float g = gq[0], beta = gq[1], qk = gq[2];
        const float vj = col ? v[row * v_stride + (long long)h * dv + j] : 0.0f;
        float kr[GDR_PER_THREAD];
        float pk = 0.0f, pq = 0.0f;
#pragma unroll
        for (int r = 0; r < GDR_PER_THREAD; r++) {
            int i = ty + r * GDR_ROWS;
            kr[r] = 0.0f;
            if (i < dk) {
                kr[r] = kt[i];
                pk += s[r] * kr[r];
                pq += s[r] * qt[i];
            }
        }
        const int buf = t & 1;
        red[buf][ty][tx] = pk;
        red[buf ^ 1][ty][tx] = pq; // the other buffer: free since the previous token's barrier
        __syncthreads();
        pk = 0.0f;
        pq = 0.0f;
#pragma unroll
        for (int y = 0; y < GDR_ROWS; y++) {
            pk += red[buf][y][tx];
            pq += red[buf ^ 1][y][tx];
        }
        __syncthreads(); // both buffers are read before the next token writes them
        const float alpha = expf(g);
        const float u = beta * (vj - alpha * pk);
        if (col && ty == 0) o[row * heads * dv + (long long)h * dv + j] = alpha * pq + qk * u;
#pragma unroll
        for (int r = 0; r < GDR_PER_THREAD; r++) s[r] = alpha * s[r] + kr[r] * u;
    }
}

extern "C" __global__ void __launch_bounds__(GDR_COLS * GDR_ROWS)
gdr_grad_backward_kernel1(float* __restrict__ dv_out, int dv_stride, float* __restrict__ dqp, float* __restrict__ dkp,
                          float* __restrict__ dgp, float* __restrict__ dbp, float* __restrict__ work,
                          const float* __restrict__ ckpt, const float* __restrict__ dO,
                          const float* __restrict__ qn, const float* __restrict__ kn,
                          const float* __restrict__ v, int v_stride, const float* __restrict__ gbq,
                          int tokens, int heads, int dk, int dv) {
    __shared__ float red[2][GDR_ROWS][GDR_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int cb = blockIdx.x, nb = gridDim.x, h = blockIdx.y, bi = blockIdx.z, batch = gridDim.z;
    const int j = cb * GDR_COLS + tx;
    const bool col = j < dv;
    const int nc = (tokens + GDRG_C - 1) / GDRG_C;
    const long long rows = (long long)batch * tokens;
    // this block's chunk states: [GDRG_C][Dk][32], each thread reads back only what it wrote
    float* W = work + (((long long)bi * heads + h) * nb + cb) * GDRG_C * dk * GDR_COLS;
    float ds[GDR_PER_THREAD];
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) ds[r] = 0.0f;

    for (int c = nc - 1; c >= 0; c--) {
        const int t0 = c * GDRG_C, t1 = min(tokens, t0 + GDRG_C);
        // 1. the chunk's states S_{t-1}, t0 <= t < t1, from its checkpoint
        {
            const float* C = ckpt + (((long long)bi * heads + h) * nc + c) * dk * dv;
            float s[GDR_PER_THREAD];
#pragma unroll
            for (int r = 0; r < GDR_PER_THREAD; r++) {
                int i = ty + r * GDR_ROWS;
                s[r] = (col && i < dk) ? C[(long long)i * dv + j] : 0.0f;
            }
            for (int t = t0; t < t1; t++) {
                long long row = (long long)bi * tokens + t;
                const float* kt = kn + (row * heads + h) * dk;
                const float* gq = gbq + (row * heads + h) * 3;
                const float g = gq[0], beta = gq[1];
                const float vj = col ? v[row * v_stride + (long long)h * dv + j] : 0.0f;
                float* Wt = W + (long long)(t - t0) * dk * GDR_COLS;
                float kr[GDR_PER_THREAD];
                float pk = 0.0f;
#pragma unroll
                for (int r = 0; r < GDR_PER_THREAD; r++) {
                    int i = ty + r * GDR_ROWS;
                    kr[r] = 0.0f;
                    if (i < dk) {
                        Wt[i * GDR_COLS + tx] = s[r];
                        kr[r] = kt[i];
                        pk += s[r] * kr[r];
                    }
                }
                const int buf = t & 1;
                red[buf][ty][tx] = pk;
                __syncthreads();
                pk = 0.0f;
#pragma unroll
                for (int y = 0; y < GDR_ROWS; y++) pk += red[buf][y][tx];
                const float alpha = expf(g);
                const float u = beta * (vj - alpha * pk);
#pragma unroll
                for (int r = 0; r < GDR_PER_THREAD; r++) s[r] = alpha * s[r] + kr[r] * u;
            }
        }
        __syncthreads();
        // 2. back through the chunk
        for (int t = t1 - 1; t >= t0; t--) {
            long long row = (long long)bi * tokens + t;
            const float* kt = kn + (row * heads + h) * dk;
            const float* qt = qn + (row * heads + h) * dk;
            const float* gq = gbq + (row * heads + h) * 3;
            const float g = gq[0], beta = gq[1], qk = gq[2];
            const float vj = col ? v[row * v_stride + (long long)h * dv + j] : 0.0f;
            const float doj = col ? dO[row * heads * dv + (long long)h * dv + j] : 0.0f;
            const float* Wt = W + (long long)(t - t0) * dk * GDR_COLS;
            float prev[GDR_PER_THREAD], kr[GDR_PER_THREAD], qr[GDR_PER_THREAD];
            float pds = 0.0f, pprev = 0.0f; // sum_i k_i dS[i, j] (dS before this token's q dO^T), sum_i k_i S_{t-1}[i, j]
#pragma unroll
            for (int r = 0; r < GDR_PER_THREAD; r++) {
                int i = ty + r * GDR_ROWS;
                prev[r] = kr[r] = qr[r] = 0.0f;
                if (i < dk) {
                    prev[r] = Wt[i * GDR_COLS + tx];
                    kr[r] = kt[i];
                    qr[r] = qt[i];
                    pds += kr[r] * ds[r];
                    pprev += kr[r] * prev[r];
                }
            }
            const int buf = t & 1;
            red[buf][ty][tx] = pds;
            red[buf ^ 1][ty][tx] = pprev;
            __syncthreads();
            pds = 0.0f;
            pprev = 0.0f;
#pragma unroll
            for (int y = 0; y < GDR_ROWS; y++) {
                pds += red[buf][y][tx];
                pprev += red[buf ^ 1][y][tx];
            }
            __syncthreads();
            const float alpha = expf(g);
            const float sk = alpha * pprev;           // (alpha S_{t-1})^T k
            const float u = beta * (vj - sk);
            const float du = pds + qk * doj;          // (dS + q dO^T)^T k
            const float e = beta * du;
            if (col && ty == 0) dv_out[row * dv_stride + (long long)h * dv + j] = e;
            const long long part = ((long long)cb * rows + row) * heads + h;
            float dbeta = warp_sum(col ? du * (vj - sk) : 0.0f);
            if (ty == 0 && tx == 0) dbp[part] = dbeta;
            float dalpha = 0.0f;
#pragma unroll
            for (int r = 0; r < GDR_PER_THREAD; r++) {
                int i = ty + r * GDR_ROWS;
                if (i < dk) { // uniform over the warp: the shuffles below stay full
                    float st = alpha * prev[r] + kr[r] * u;
                    float dsn = ds[r] + qr[r] * doj;
                    float dq = warp_sum(col ? st * doj : 0.0f);
                    float dkk = warp_sum(col ? dsn * u - alpha * prev[r] * e : 0.0f);
                    if (tx == 0) {
                        dqp[part * dk + i] = dq;
                        dkp[part * dk + i] = dkk;
                    }
                    float dsp = dsn - kr[r] * e;
                    dalpha += dsp * prev[r];
                    ds[r] = alpha * dsp;
                }
            }
            dalpha = warp_sum(col ? dalpha : 0.0f);
            if (tx == 0) dgp[((long long)(cb * GDR_ROWS + ty) * rows + row) * heads + h] = alpha * dalpha;
        }
        __syncthreads(); // the chunk's states are read before the next chunk overwrites them
    }
}

extern "C" __global__ void gdr_grad_prep_kernel1(float* __restrict__ dq, int dq_stride, float* __restrict__ dk_out, int dk_stride,
                                                 float* __restrict__ da, float* __restrict__ db, int dab_stride,
                                                 float* __restrict__ dalog_part, float* __restrict__ ddt_part,
                                                 const float* __restrict__ dqp, const float* __restrict__ dkp,
                                                 const float* __restrict__ dgp, const float* __restrict__ dbp, int nb, int ng,
                                                 const float* __restrict__ q, int q_stride, const float* __restrict__ k, int k_stride,
                                                 const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                                                 const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                                                 int rows, int heads, int dk, int silu_qk, float beta_scale) {
    long long unit = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (unit >= (long long)rows * heads) return; // whole warps leave together
    long long r = unit / heads;
    int h = (int)(unit % heads);
    const float* qr = q + r * q_stride + (long long)h * dk;
    const float* kr = k + r * k_stride + (long long)h * dk;
    // the norms and the projections of the sums of the partials onto q and k, in double as the CPU path: the norm's
    // backward g - x (x . g) / |x|^2 cancels when g is nearly along x, which would magnify float rounding
    double sq = 0.0, sk = 0.0, qd = 0.0, kd = 0.0;
    for (int i = lane; i < dk; i += 32) {
        float qi = qr[i], ki = kr[i];
        if (silu_qk) { qi = silu_f(qi); ki = silu_f(ki); }
        float gq = 0.0f, gk = 0.0f;
        for (int c = 0; c < nb; c++) {
            gq += dqp[(((long long)c * rows + r) * heads + h) * dk + i];
            gk += dkp[(((long long)c * rows + r) * heads + h) * dk + i];
        }
        sq += (double)qi * qi;
        sk += (double)ki * ki;
        qd += (double)qi * gq;
        kd += (double)ki * gk;
    }
    sq = warp_sum_d(sq);
    sk = warp_sum_d(sk);
    qd = warp_sum_d(qd);
    kd = warp_sum_d(kd);
    const double nq = sqrt(sq + GDR_L2_EPS), nk = sqrt(sk + GDR_L2_EPS);
    const double fq = 1.0 / (sqrt((double)dk) * nq), fk = 1.0 / nk;
    const double pq = qd / (nq * nq), pk = kd / (nk * nk);
    for (int i = lane; i < dk; i += 32) {
        float qraw = qr[i], kraw = kr[i];
        float qi = silu_qk ? silu_f(qraw) : qraw, ki = silu_qk ? silu_f(kraw) : kraw;
        float gq = 0.0f, gk = 0.0f;
        for (int c = 0; c < nb; c++) {
            gq += dqp[(((long long)c * rows + r) * heads + h) * dk + i];
            gk += dkp[(((long long)c * rows + r) * heads + h) * dk + i];
        }
        float dqi = (float)(fq * (gq - qi * pq)), dki = (float)(fk * (gk - ki * pk));
        if (silu_qk) { dqi *= dsilu_f(qraw); dki *= dsilu_f(kraw); }
        dq[r * dq_stride + (long long)h * dk + i] = dqi;
        dk_out[r * dk_stride + (long long)h * dk + i] = dki;
    }
    if (lane == 0) {
        float dg = 0.0f, dbeta = 0.0f;
        for (int c = 0; c < ng; c++) dg += dgp[((long long)c * rows + r) * heads + h];
        for (int c = 0; c < nb; c++) dbeta += dbp[((long long)c * rows + r) * heads + h];
        const float x = a[r * ab_stride + h] + dt_bias[h];
        const float ea = expf(a_log[h]);
        const float dpre = dg * -ea * sigmoid_f(x); // softplus' = sigmoid
        da[r * dab_stride + h] = dpre;
        dalog_part[r * heads + h] = dg * -ea * softplus_f(x); // dg/dA_log = g
        ddt_part[r * heads + h] = dpre;
        const float sb = sigmoid_f(b[r * ab_stride + h]);
        db[r * dab_stride + h] = dbeta * beta_scale * sb * (1.0f - sb);
    }
}

extern "C" __global__ void gdr_grad_norm_kernel1(float* __restrict__ dO, float* __restrict__ dgate, int dgate_stride,
                                                 float* __restrict__ dwp, const float* __restrict__ o,
                                                 const float* __restrict__ gate, int gate_stride,
                                                 const float* __restrict__ w, const float* __restrict__ dy,
                                                 int heads, int dv, float eps) {
    __shared__ float partial[2][32];
    long long r = blockIdx.x / heads;
    int h = blockIdx.x % heads;
    const long long at = (r * heads + h) * dv;
    const float* x = o + at;
    const float* z = gate + r * gate_stride + (long long)h * dv;
    const float* g = dy + at;
    float ss = 0.0f, co = 0.0f;
    for (int j = threadIdx.x; j < dv; j += blockDim.x) {
        ss += x[j] * x[j];
        co += g[j] * w[j] * silu_f(z[j]) * x[j];
    }
    ss = warp_sum(ss);
    co = warp_sum(co);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) {
        partial[0][warp] = ss;
        partial[1][warp] = co;
    }
    __syncthreads();
    ss = 0.0f;
    co = 0.0f;
    for (int i = 0; i < warps; i++) {
        ss += partial[0][i];
        co += partial[1][i];
    }
    const float rs = 1.0f / sqrtf(ss / (float)dv + eps);
    const float c3 = rs * rs * rs * co / (float)dv;
    for (int j = threadIdx.x; j < dv; j += blockDim.x) {
        const float sz = silu_f(z[j]);
        dO[at + j] = rs * g[j] * w[j] * sz - c3 * x[j];
        dgate[r * dgate_stride + (long long)h * dv + j] = g[j] * x[j] * rs * w[j] * dsilu_f(z[j]);
        dwp[at + j] = g[j] * x[j] * rs * sz;
    }
}

extern "C" __global__ void gdr_grad_norm_kernel2(float* __restrict__ dO, float* __restrict__ dgate, int dgate_stride,
                                                 float* __restrict__ dwp, const float* __restrict__ o,
                                                 const float* __restrict__ gate, int gate_stride,
                                                 const float* __restrict__ w, const float* __restrict__ dy,
                                                 int rows, int heads, int dv, float eps) {
    const long long unit = (long long)blockIdx.x * 8 + (threadIdx.x >> 5); // (row, head)
    const int lane = threadIdx.x & 31;
    if (unit >= (long long)rows * heads) return; // whole warps leave together: the shuffles stay full
    const long long r = unit / heads, at = unit * dv;
    const int h = (int)(unit % heads);
    const float* x = o + at;
    const float* z = gate + r * gate_stride + (long long)h * dv;
    const float* g = dy + at;
    float ss = 0.0f, co = 0.0f;
#pragma unroll 4
    for (int j = lane; j < dv; j += 32) {
        ss += x[j] * x[j];
        co += g[j] * w[j] * silu_f(z[j]) * x[j];
    }
    ss = warp_sum(ss);
    co = warp_sum(co);
    const float rs = 1.0f / sqrtf(ss / (float)dv + eps);
    const float c3 = rs * rs * rs * co / (float)dv;
#pragma unroll 4
    for (int j = lane; j < dv; j += 32) {
        const float sz = silu_f(z[j]);
        dO[at + j] = rs * g[j] * w[j] * sz - c3 * x[j];
        dgate[r * dgate_stride + (long long)h * dv + j] = g[j] * x[j] * rs * w[j] * dsilu_f(z[j]);
        dwp[at + j] = g[j] * x[j] * rs * sz;
    }
}

/*
Version 2: the chunked (WY) training scan, chunks of GDR2_C = 64 tokens; the math, step by step, is
io.jetrt.blocks.common.grad.ChunkedGatedDeltaRuleGrad's javadoc (that class is its float64 statement, tested against
the per-token backward). Every kernel reads qn, kn, gbq of gdr_prep_kernel1 and the chunk work buffer (gdr_chunk_kernel2's
layout, written by gdr_chunk_kernel3, gated_delta_rule.cuh), which the forward computes and the backward keeps.
Kernel1 above stays the reference.
  gdr_grad_forward_kernel2  gdr_prefill_kernel2's scan from a zero state, also writing the state entering every chunk,
                            ckpt [B, H, NC, Dk, Dv] (NC = ceil(T/64)), and u [B*T, H*Dv]. Launch as gdr_prefill_kernel2.
  gdr_grad_state_kernel2    the state gradient, chunks last to first, per (GDR2_BV(Dk) state columns, head, batch), as
                            gdr_prefill_kernel2 with its tiles in another order; dH (the gradient at the chunk's end
                            state) in shared memory:
                              dhs[chunk] = dH;  du = Aqk^T dO + Kd dH;  dH = dec dH + Qd^T dO - W^T du
                            writes dhs [B, H, NC, Dk, Dv] and du [B*T, H*Dv].
                            Launch: grid (ceil(Dv/GDR2_BV(Dk)), H, B), block 256; 48 KB static shared memory.
  gdr_grad_chunk_kernel2    everything else, one block per (chunk, head, batch), independent of the other chunks:
                            dqn, dkn [B*T, H*Dk], dv (row stride dv_stride), dg, dbeta [B*T, H]. Its products are
                            64x64 output tiles on tensor cores in 3xTF32 (tile64.cuh); the 64x64 matrices the
                            phases share (KKE, M1, M2) and dW [64, Dk] in `mats` (GDRG2_MATS(dk) floats per chunk).
                            Launch: grid (NC, H, B), block 256; GDR_CHUNK_SMEM_FLOATS floats of dynamic shared memory
                            (74.5 KB, gated_delta_rule.cuh).
No atomics: row and column sums of a tile go through shared memory in a fixed order, so results are bit-reproducible.
*/
#define GDRG2_MATS(dk) (3 * 4096 + 64 * (dk))

// two blocks per SM (128 registers, a few spilled): at the 2B retrofit's B 8 x 2048 it took 44 ms for 24 layers, 54 ms
// at one block per SM; the state kernel likewise, 63 ms against 80
extern "C" __global__ void __launch_bounds__(GDR2_THREADS, 2)
gdr_grad_forward_kernel2(float* __restrict__ state, float* __restrict__ o, float* __restrict__ ckpt, float* __restrict__ u,
                         const float* __restrict__ work, int tokens, int heads, int dk, int dv) {
    __shared__ __align__(16) float smem[4096 + 4096 + GDR2_C * 32];
    if (GDR2_BV(dk) == 32) gdr2_scan<32>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv, ckpt, u);
    else gdr2_scan<16>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv, ckpt, u);
}

// The state gradient's scan for a slice of BV state columns (see gdr_grad_state_kernel2), gdr2_scan's tiles in another
// order: per chunk Aqk^T (k = nA), the Kd^T tiles (k > nA: du = Aqk^T dO + Kd dH), then the W^T/Qd^T tiles (k < nA:
// dH = dec dH + Qd^T dO - W^T du). Thread (tg, jp) as gdr2_scan: du rows RT*tg.., columns 2jp, 2jp+1; dH rows tg + G m
// of each 32-row tile.
template <int BV>
__device__ __forceinline__ void gdr2_state_scan(float* buf, float* Hs, float* dOs, float* us, float* __restrict__ dhs,
                                                float* __restrict__ du_out, const float* __restrict__ work,
                                                const float* __restrict__ dO, int tokens, int heads, int dk, int dv) {
    constexpr int HALF = BV / 2, G = GDR2_THREADS / HALF, RT = GDR2_C / G, SROWS = 4096 / BV;
    const int tid = threadIdx.x, h = blockIdx.y, bi = blockIdx.z, jbase = blockIdx.x * BV;
    const int nc = (tokens + GDR2_C - 1) / GDR2_C;
    const long long n = (long long)gridDim.z * heads * nc, bh = (long long)bi * heads + h;
    const float* WT = work;
    const float* QT = WT + n * dk * 64;
    const float* KT = QT + n * dk * 64;
    const float* AT = KT + n * dk * 64;
    const float* dec = AT + n * 4096 + n * dv * 64;
    for (int e = tid; e < SROWS * BV; e += GDR2_THREADS) Hs[e] = 0.f;
    const int jp = tid % HALF, tg = tid / HALF;
    const int nA = (dk + 31) / 32, nK = (dk + 63) / 64, nt = nA + 1 + nK;
    auto tile_at = [&](int step) { return step <= nK ? nA + step : step - nK - 1; };
    float4 st[4];
    gdr2_load_tile(st, WT, QT, AT, KT, bh * nc + nc - 1, tile_at(0), nA, dk, tid);
    for (int c = nc - 1; c >= 0; c--) {
        const long long bhc = bh * nc + c, row0 = (long long)bi * tokens + c * GDR2_C;
        const int len = min(GDR2_C, tokens - c * GDR2_C);
        __syncthreads(); // the previous chunk is done with dOs and Hs
        for (int e = tid; e < GDR2_C * BV; e += GDR2_THREADS) {
            const int t = e / BV, j = jbase + e % BV;
            dOs[e] = (t < len && j < dv) ? dO[(row0 + t) * heads * dv + (long long)h * dv + j] : 0.f;
        }
        float* Hc = dhs + bhc * dk * dv; // the gradient at the chunk's end state
        for (int e = tid; e < SROWS * BV; e += GDR2_THREADS) {
            const int i = e / BV, j = jbase + e % BV;
            if (i < dk && j < dv) Hc[(long long)i * dv + j] = Hs[e];
        }
        float acc[RT][2];
#pragma unroll
        for (int a = 0; a < RT; a++) { acc[a][0] = 0.f; acc[a][1] = 0.f; }
        const float decay = dec[bhc];
        for (int step = 0; step < nt; step++) {
            const int k = tile_at(step);
            __syncthreads();
#pragma unroll
            for (int m = 0; m < 4; m++) *(float4*)&buf[(tid + GDR2_THREADS * m) * 4] = st[m];
            __syncthreads();
            if (step + 1 < nt) gdr2_load_tile(st, WT, QT, AT, KT, bhc, tile_at(step + 1), nA, dk, tid);
            else if (c > 0) gdr2_load_tile(st, WT, QT, AT, KT, bhc - 1, tile_at(0), nA, dk, tid);
            if (k == nA) {
                // du[t] += sum_{s >= t} Aqk[s][t] dO[s]; buf[t*64 + s] = Aqk[s][t], stored zero where s < t
                for (int s = RT * tg; s < GDR2_C; s++) {
                    const float2 d = *(const float2*)&dOs[s * BV + 2 * jp];
#pragma unroll
                    for (int a = 0; a < RT; a++) {
                        const float x = buf[(RT * tg + a) * 64 + s];
                        acc[a][0] += x * d.x;
                        acc[a][1] += x * d.y;
                    }
                }
            } else if (k > nA) {
                // du[t] += sum_i Kd[t][i] dH[i] over rows i0.. (rows past Dk: zero tile rows and zero dH rows)
                const float* Hr = Hs + 64 * (k - nA - 1) * BV + 2 * jp;
#pragma unroll 8
                for (int ii = 0; ii < 64; ii++) {
                    float x[RT];
                    gdr2_vec<RT>::get(x, &buf[ii * 64 + RT * tg]);
                    const float2 hv = *(const float2*)&Hr[ii * BV];
#pragma unroll
                    for (int a = 0; a < RT; a++) { acc[a][0] += x[a] * hv.x; acc[a][1] += x[a] * hv.y; }
                }
                if (k == nt - 1) { // du complete: to shared memory (read after the next tile's barriers) and out
#pragma unroll
                    for (int a = 0; a < RT; a++) {
                        const int t = RT * tg + a;
                        *(float2*)&us[t * BV + 2 * jp] = make_float2(acc[a][0], acc[a][1]);
                        if (t < len) {
                            float* drow = du_out + (row0 + t) * heads * dv + (long long)h * dv;
#pragma unroll
                            for (int b = 0; b < 2; b++) {
                                const int j = jbase + 2 * jp + b;
                                if (j < dv) drow[j] = acc[a][b];
                            }
                        }
                    }
                }
            } else {
                // dH[i] = dec dH[i] + sum_t Qd[t][i] dO[t] - W[t][i] du[t] on rows 32k + tg + G m
#pragma unroll
                for (int m = 0; m < 32 / G; m++) {
                    const int ii = tg + G * m, i = 32 * k + ii;
                    const float2 hv = *(const float2*)&Hs[i * BV + 2 * jp];
                    float a0 = decay * hv.x, a1 = decay * hv.y;
#pragma unroll 4
                    for (int t = 0; t < 64; t += 4) {
                        const float4 w4 = *(const float4*)&buf[ii * 64 + t];
                        const float4 q4 = *(const float4*)&buf[2048 + ii * 64 + t];
                        const float wv[4] = {w4.x, w4.y, w4.z, w4.w}, qv[4] = {q4.x, q4.y, q4.z, q4.w};
#pragma unroll
                        for (int q = 0; q < 4; q++) {
                            const float2 d = *(const float2*)&dOs[(t + q) * BV + 2 * jp];
                            const float2 u = *(const float2*)&us[(t + q) * BV + 2 * jp];
                            a0 += qv[q] * d.x - wv[q] * u.x;
                            a1 += qv[q] * d.y - wv[q] * u.y;
                        }
                    }
                    *(float2*)&Hs[i * BV + 2 * jp] = make_float2(a0, a1);
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(GDR2_THREADS, 2)
gdr_grad_state_kernel2(float* __restrict__ dhs, float* __restrict__ du, const float* __restrict__ work,
                       const float* __restrict__ dO, int tokens, int heads, int dk, int dv) {
    __shared__ __align__(16) float smem[4096 + 4096 + 2 * GDR2_C * 32]; // tile, dH slice, dO and du [64, BV]
    if (GDR2_BV(dk) == 32) gdr2_state_scan<32>(smem, smem + 4096, smem + 8192, smem + 8192 + GDR2_C * 32, dhs, du, work, dO, tokens, heads, dk, dv);
    else gdr2_state_scan<16>(smem, smem + 4096, smem + 8192, smem + 8192 + GDR2_C * 16, dhs, du, work, dO, tokens, heads, dk, dv);
}

// The accumulator tile a as columns c0.. of rows [64, Dk] at dst (row stride ld), rows below len and columns below dk
__device__ __forceinline__ void gdr2_store_rows(float* __restrict__ dst, long long ld, const float (&a)[4][4], int len, int dk, int c0) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), i = c0 + tile64_col(p, q);
            if (t < len && i < dk) dst[t * ld + i] = a[p][q];
        }
}

extern "C" __global__ void __launch_bounds__(TILE64_THREADS, 2)
gdr_grad_chunk_kernel2(float* __restrict__ dq, float* __restrict__ dk_out, float* __restrict__ dv_out, int dv_stride,
                       float* __restrict__ dg, float* __restrict__ dbeta, float* __restrict__ mats,
                       const float* __restrict__ qn, const float* __restrict__ kn, const float* __restrict__ v, int v_stride,
                       const float* __restrict__ gbq, const float* __restrict__ ckpt, const float* __restrict__ dhs,
                       const float* __restrict__ u, const float* __restrict__ du, const float* __restrict__ dO,
                       int tokens, int heads, int dk, int dv) {
    extern __shared__ __align__(16) float smem[];
    gdr2_check_smem();
    float* Tm = smem;
    float* Ct = Tm + 64 * TILE64_TS;
    float* stages = Ct + 64 * TILE64_TS;
    __shared__ float gcs[64], gam[64], kap[64], bet[64], bg[64], dgc[64], dbs[64], last[64], red[GDR2_THREADS / 32];
    const int tid = threadIdx.x, c = blockIdx.x, h = blockIdx.y, bi = blockIdx.z, nc = gridDim.x;
    const long long bhc = ((long long)bi * heads + h) * nc + c;
    const int t0 = c * GDR2_C, len = min(GDR2_C, tokens - t0);
    const long long row0 = (long long)bi * tokens + t0;
    const long long kd = (long long)heads * dk, vd = (long long)heads * dv;
    float* KKEg = mats + bhc * GDRG2_MATS(dk);
    float* M1g = KKEg + 4096;
    float* M2g = M1g + 4096;
    float* dWg = M2g + 4096; // [64, Dk]
    const float* S0 = ckpt + bhc * dk * dv;
    const float* DH = dhs + bhc * dk * dv;
    // the chunk's rows [64, Dk] or [64, Dv] (zero past T), the states [Dk, Dv], the shared 64x64 matrices and dW
    const Tile64View Q{qn + row0 * kd + (long long)h * dk, heads * dk, 1, len, dk};
    const Tile64View K{kn + row0 * kd + (long long)h * dk, heads * dk, 1, len, dk};
    const Tile64View V{v + row0 * v_stride + (long long)h * dv, v_stride, 1, len, dv};
    const Tile64View dOv{dO + row0 * vd + (long long)h * dv, heads * dv, 1, len, dv};
    const Tile64View U{u + row0 * vd + (long long)h * dv, heads * dv, 1, len, dv};
    const Tile64View dU{du + row0 * vd + (long long)h * dv, heads * dv, 1, len, dv};
    const Tile64View S0t = Tile64View{S0, dv, 1, dk, dv}.t(), DHt = Tile64View{DH, dv, 1, dk, dv}.t(); // [Dv, Dk]
    const Tile64View M1{M1g, 64, 1, 64, 64}, M2{M2g, 64, 1, 64, 64}, dW{dWg, dk, 1, 64, dk};
    const int x = tid >> 2; // the row (or column) of tile64_row_dot / tile64_col_dot
    const bool lead = (tid & 3) == 0;
    float acc[4][4], acc2[4][4];

    // 0. g and beta of the rows (0 past T), gc = inclusive prefix sum of g, gamma, kappa
    gdr2_gates(gcs, bet, gam, kap, gbq, row0, len, heads, h);
    if (tid < 64) {
        bg[tid] = bet[tid] * gam[tid];
        dgc[tid] = 0.f;
        dbs[tid] = 0.f;
        last[tid] = 0.f;
    }

    // 1. KKE[t][s] = (k_t.k_s) e^{gc_t - gc_s} (s < t); T = (I + diag(beta) KKE)^-1
    gdr2_kke(acc, K, dk, gcs, stages);
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) KKEg[tile64_row(q) * 64 + tile64_col(p, q)] = acc[p][q];
    tile64_store(Ct, acc);
    gdr2_solve_t(Tm, Ct, bet);

    // 2. dAqk = dO u^T (s <= t); G = dAqk * Aqk into dgc (rows minus columns); M1 = dAqk * E
    tile64_zero(acc);
    tile64_mma<true, true>(acc, dk, Q, K.t(), stages);
    tile64_zero(acc2);
    tile64_mma<true, true>(acc2, dv, dOv, U.t(), stages);
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), s = tile64_col(p, q);
            const float e = s <= t ? expf(gcs[t] - gcs[s]) : 0.f;
            M1g[t * 64 + s] = acc2[p][q] * e;
            acc[p][q] = acc2[p][q] * acc[p][q] * e; // G
        }
    tile64_store(Ct, acc);
    {
        const float r = tile64_row_dot(Ct, [](int, int) { return 1.f; }), cs = tile64_col_dot(Ct, [](int) { return 1.f; });
        if (lead) dgc[x] += r - cs;
    }
    __syncthreads();

    // 3. dq = diag(gamma) dO S0^T + M1 K; dgc += gamma (dO S0^T)_t . q_t. By 128 columns of Dk, as two 64-column tiles
    // that share their A operand (dO, M1) in tile64_mma2; past Dk a tile is zeros.
    for (int i0 = 0; i0 < dk; i0 += 128) {
        tile64_zero(acc);
        tile64_zero(acc2);
        tile64_mma2<true, true>(acc, acc2, dv, dOv, S0t.cols(i0), S0t.cols(i0 + 64), stages);
        float r = tile64_store_row_dot(Ct, acc, [&](int t, int i) { return Q.at(t, i0 + i); });
        if (lead) dgc[x] += gam[x] * r;
        r = tile64_store_row_dot(Ct, acc2, [&](int t, int i) { return Q.at(t, i0 + 64 + i); });
        if (lead) dgc[x] += gam[x] * r;
        tile64_scale_rows(acc, gam);
        tile64_scale_rows(acc2, gam);
        tile64_mma2<true, false>(acc, acc2, 64, M1, K.cols(i0), K.cols(i0 + 64), stages);
        gdr2_store_rows(dq + row0 * kd + (long long)h * dk, kd, acc, len, dk, i0);
        gdr2_store_rows(dq + row0 * kd + (long long)h * dk, kd, acc2, len, dk, i0 + 64);
    }

    // 4. dW = -du S0^T into dWg (by 128 columns as in 3); dT = du (diag(beta) V)^T + dW (diag(beta gamma) K)^T,
    // the two products apart and scaled by column; dA = -T^T dT T^T (s < t): dbeta, dgc, M2 = diag(beta) dA * E
    auto dw_tile = [&](const float(&a)[4][4], int c0) {
#pragma unroll
        for (int p = 0; p < 4; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int i = c0 + tile64_col(p, q);
                if (i < dk) dWg[tile64_row(q) * dk + i] = -a[p][q];
            }
    };
    for (int i0 = 0; i0 < dk; i0 += 128) {
        tile64_zero(acc);
        tile64_zero(acc2);
        tile64_mma2<true, true>(acc, acc2, dv, dU, S0t.cols(i0), S0t.cols(i0 + 64), stages);
        dw_tile(acc, i0);
        dw_tile(acc2, i0 + 64);
    }
    __syncthreads();
    tile64_zero(acc);
    tile64_mma<true, true>(acc, dv, dU, V.t(), stages);
    tile64_zero(acc2);
    tile64_mma<true, true>(acc2, dk, dW, K.t(), stages);
    // dk's term diag(beta gamma) T^T dW, dotted with k_t: sum_r T[r][t] (dW K^T)[r][t], into dbeta and dgc here
    tile64_store(Ct, acc2);
    {
        const float r = tile64_col_dot(Ct, [&](int s) { return Tm[s * TILE64_TS + x]; });
        if (lead) {
            dbs[x] += gam[x] * r;
            dgc[x] += bg[x] * r;
        }
    }
    __syncthreads(); // the column sums have read Ct
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int s = tile64_col(p, q);
            acc[p][q] = bet[s] * acc[p][q] + bg[s] * acc2[p][q];
        }
    tile64_store(Ct, acc); // dT
    tile64_zero(acc);
    tile64_mma<true, true>(acc, 64, [&](int t, int r) { return Ct[t * TILE64_TS + r]; }, [&](int r, int s) { return Tm[s * TILE64_TS + r]; },
                           stages);
    tile64_store(Ct, acc); // Y = dT T^T (tile64_mma returns after its last reads of dT)
    tile64_zero(acc);
    tile64_mma<false, false>(acc, 64, [&](int t, int r) { return Tm[r * TILE64_TS + t]; }, [&](int r, int s) { return Ct[r * TILE64_TS + s]; },
                             stages);
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), s = tile64_col(p, q);
            const float a = s < t ? -acc[p][q] : 0.f;
            M2g[t * 64 + s] = s < t ? bet[t] * a * expf(gcs[t] - gcs[s]) : 0.f;
            acc[p][q] = a * KKEg[t * 64 + s]; // P = dA * KKE
        }
    tile64_store(Ct, acc);
    {
        const float r = tile64_row_dot(Ct, [](int, int) { return 1.f; }), cs = tile64_col_dot(Ct, [&](int s) { return bet[s]; });
        if (lead) {
            dbs[x] += r;
            dgc[x] += bet[x] * r - cs;
        }
    }
    __syncthreads();

    // 5. dk = diag(kappa) u dH^T + diag(beta gamma) T^T dW + M1^T Q + M2 K + M2^T K, by 128 columns of Dk as in 3
    for (int i0 = 0; i0 < dk; i0 += 128) {
        tile64_zero(acc);
        tile64_zero(acc2);
        tile64_mma2<true, true>(acc, acc2, dv, U, DHt.cols(i0), DHt.cols(i0 + 64), stages);
        float r = tile64_store_row_dot(Ct, acc, [&](int t, int i) { return K.at(t, i0 + i); });
        r += tile64_store_row_dot(Ct, acc2, [&](int t, int i) { return K.at(t, i0 + 64 + i); });
        if (lead) {
            dgc[x] -= kap[x] * r;
            last[x] += kap[x] * r;
        }
        tile64_scale_rows(acc, kap);
        tile64_scale_rows(acc2, kap);
        tile64_mma2<false, false>(acc, acc2, 64, [&](int t, int r) { return bg[t] * Tm[r * TILE64_TS + t]; }, dW.cols(i0), dW.cols(i0 + 64),
                                  stages);
        tile64_mma2<false, false>(acc, acc2, 64, M1.t(), Q.cols(i0), Q.cols(i0 + 64), stages);
        tile64_mma2<true, false>(acc, acc2, 64, M2, K.cols(i0), K.cols(i0 + 64), stages);
        tile64_mma2<false, false>(acc, acc2, 64, M2.t(), K.cols(i0), K.cols(i0 + 64), stages);
        gdr2_store_rows(dk_out + row0 * kd + (long long)h * dk, kd, acc, len, dk, i0);
        gdr2_store_rows(dk_out + row0 * kd + (long long)h * dk, kd, acc2, len, dk, i0 + 64);
    }

    // 6. dv = diag(beta) T^T du, dbeta += (T^T du)_t . v_t, by 64 columns of Dv
    for (int j0 = 0; j0 < dv; j0 += 64) {
        tile64_zero(acc);
        tile64_mma<false, false>(acc, 64, [&](int t, int r) { return Tm[r * TILE64_TS + t]; }, dU.cols(j0), stages);
        tile64_store(Ct, acc);
        const float r = tile64_row_dot(Ct, [&](int t, int j) { return V.at(t, j0 + j); });
        if (lead) dbs[x] += r;
#pragma unroll
        for (int p = 0; p < 4; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = tile64_row(q), j = j0 + tile64_col(p, q);
                if (t < len && j < dv) dv_out[(row0 + t) * dv_stride + (long long)h * dv + j] = bet[t] * acc[p][q];
            }
    }

    // 7. dgc_63 += sum_t kappa_t (u dH^T)_t . k_t + dec sum(dH * S0); dg = reverse prefix sum of dgc, by one warp
    // (ncu: a tenth of the kernel's time went to this sum with 4-byte loads, latency-bound at the block's end)
    float hs = 0.f;
    const long long nhs = (long long)dk * dv;
    if (nhs % 4 == 0) { // DH and S0 start at multiples of nhs floats: 16-byte aligned
        const float4 *d4 = (const float4*)DH, *s4 = (const float4*)S0;
#pragma unroll 4
        for (long long e = tid; e < nhs / 4; e += GDR2_THREADS) {
            const float4 a = d4[e], b = s4[e];
            hs += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
        }
    } else {
#pragma unroll 8
        for (long long e = tid; e < nhs; e += GDR2_THREADS) hs += DH[e] * S0[e];
    }
    hs = warp_sum(hs);
    if ((tid & 31) == 0) red[tid >> 5] = hs;
    __syncthreads();
    if (tid < 32) {
        float tot = 0.f;
        for (int w = 0; w < GDR2_THREADS / 32; w++) tot += red[w];
        float lt = last[2 * tid] + last[2 * tid + 1];
        lt = warp_sum(lt);
        // lane l holds rows ta = 63 - 2l and ta - 1: an inclusive scan over the lanes sums rows from 63 down
        const int ta = 63 - 2 * tid, tb = ta - 1;
        const float da = dgc[ta] + (ta == 63 ? lt + expf(gcs[63]) * tot : 0.f), db = dgc[tb];
        float excl;
        const float incl = warp_prefix_sum(da + db, tid, excl);
        if (ta < len) {
            dg[(row0 + ta) * heads + h] = excl + da;
            dbeta[(row0 + ta) * heads + h] = dbs[ta];
        }
        if (tb < len) {
            dg[(row0 + tb) * heads + h] = incl;
            dbeta[(row0 + tb) * heads + h] = dbs[tb];
        }
    }
}
