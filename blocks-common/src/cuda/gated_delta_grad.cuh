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
  gdr_grad_prep_kernel1      per (row, head), one warp: sums the partials, takes dqn, dkn back through the L2 norms (in double)
                             (and silu when silu_qk) into dq, dk (row strides), dg to da (into da, row stride ab_stride)
                             and per-row partials of dA_log and ddt_bias [rows, H]; dbeta to db.
                             Launch: grid ceil(rows*H/4), block 128.
  gdr_grad_norm_kernel1      the gated RMSNorm's backward per (row, head): from o (before the norm), gate, w and dy:
                             do [rows, H*Dv], dgate (row stride), and w's per-row partials dwp [rows*H, Dv].
                             Launch: grid rows*H, block 128.
(The weights' per-row partials are summed by grad_sum_rows_kernel1 of grad_sum_rows.cuh.)
*/
#pragma once
#include "common.cuh"
#include "gated_delta_rule.cuh"
#include "grad_sum_rows.cuh"

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
                                                 const float* __restrict__ dgp, const float* __restrict__ dbp, int nb,
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
        for (int c = 0; c < nb * GDR_ROWS; c++) dg += dgp[((long long)c * rows + r) * heads + h];
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
