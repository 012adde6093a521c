/*
gated_delta_rule.cuh: the gated delta rule of BLOCKS.md §3.3/§3.4 on the GPU, shared by JetBlock
(blocks-jetblock/src/main/cuda/jetblock.cu) and Gated DeltaNet (blocks-gdn/src/main/cuda/gdn.cu).
Each bundle's .cu includes this header, so each bundle's module defines these extern "C" kernels itself.

Java references (blocks-common, io.jetrt.blocks.common):
  GatedDeltaRule.l2Normalize / logDecay / step  (the literal recurrence)
  GatedDeltaScan.run                            (one sweep per token: with P_k = S_{t-1}^T k, P_q = S_{t-1}^T q,
                                                 u = beta (v - e^g P_k), o = e^g P_q + (q.k) u, S_t = e^g S_{t-1} + k u^T)
  GatedDeltaHeads.chunk                         (g = -exp(A_log) softplus(a + dt_bias), beta = sigmoid(b) * betaScale)
  GatedRmsNorm.apply                            (o * rsqrt(mean(o^2) + eps) * w * silu(gate), per head over Dv)

State S per (batch, head): [Dk, Dv] fp32, K-first, row i at i*Dv: exactly the CPU layout
(recurrent_state [B, H, Dk, Dv]), so a state hands over between backends.

Kernels (version 1 each: the simplest correct form):
  gdr_prep_kernel1       per (row, head), one warp: q, k (optionally silu first, for JetBlock) L2-normalised
                         (q also scaled by Dk^-0.5) into qn, kn [rows, H*Dk]; gbq [rows, H, 3] = (g, beta, qn.kn).
                         Launch: grid ceil(rows*H/4), block 128 (4 warps).
  gdr_prefill_kernel1    the scan over T tokens for one (batch, head, slice of 32 state columns); the state slice
                         lives in registers for the whole chunk: thread (tx, ty) owns column j = 32*blockIdx.x + tx
                         and rows i = ty, ty+8, ... (Dk <= 256). Per token: partial P_k, P_q over its rows, one
                         shared-memory reduction over ty (double-buffered: one __syncthreads per token), u, o, update.
                         Reads qn, kn, gbq of gdr_prep_kernel1. Writes o [B*T, H*Dv] before the output norm.
                         Launch: grid (ceil(Dv/32), H, B), block (32, 8).
  gdr_decode_kernel1     one token per sequence, everything in one pass: the block normalises q and k of its head
                         itself (shared memory), computes g and beta, then reads and writes its 32 state columns
                         once. Launch: grid (ceil(Dv/32), H, B), block (32, 8): at Dv 256, H 12, B 1: 96 blocks.
  gdr_out_norm_kernel1   in place on o [rows, H*Dv]: o = o * rsqrt(mean_Dv(o^2) + eps) * w[j] * silu(gate[j]).
                         Launch: grid rows*H, block 128.

Inputs given as (pointer, row stride) so they can be column ranges of one fused projection [rows, P].
Every kernel needs blockDim as its launch line says (the reductions assume it).
*/
#pragma once
#include <cuda_runtime.h>

#define GDR_MAX_DK 256
#define GDR_COLS 32                          // blockDim.x of the scan kernels: state columns per block
#define GDR_ROWS 8                           // blockDim.y of the scan kernels: Dk is split over these
#define GDR_PER_THREAD (GDR_MAX_DK / GDR_ROWS) // state rows a thread holds at most
#define GDR_L2_EPS 1e-6f

__device__ __forceinline__ float gdr_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

__device__ __forceinline__ float gdr_silu(float x) { return x * gdr_sigmoid(x); }

// PyTorch's softplus threshold: x itself above 20
__device__ __forceinline__ float gdr_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// g = -exp(A_log) * softplus(a + dt_bias) <= 0; the decay is exp(g)
__device__ __forceinline__ float gdr_log_decay(float a, float a_log, float dt_bias) {
    return -expf(a_log) * gdr_softplus(a + dt_bias);
}

__device__ __forceinline__ float gdr_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

extern "C" __global__ void gdr_prep_kernel1(float* __restrict__ qn, float* __restrict__ kn, float* __restrict__ gbq,
                                            const float* __restrict__ q, int q_stride,
                                            const float* __restrict__ k, int k_stride,
                                            const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                                            const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                                            int rows, int heads, int dk, int silu_qk, float beta_scale) {
    long long unit = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (unit >= (long long)rows * heads) return; // whole warps leave together: the shuffles stay full
    long long r = unit / heads;
    int h = (int)(unit % heads);
    const float* qr = q + r * q_stride + (long long)h * dk;
    const float* kr = k + r * k_stride + (long long)h * dk;
    float sq = 0.0f, sk = 0.0f, sqk = 0.0f;
    for (int i = lane; i < dk; i += 32) {
        float qi = qr[i], ki = kr[i];
        if (silu_qk) { qi = gdr_silu(qi); ki = gdr_silu(ki); }
        sq += qi * qi;
        sk += ki * ki;
        sqk += qi * ki;
    }
    sq = gdr_warp_sum(sq);
    sk = gdr_warp_sum(sk);
    sqk = gdr_warp_sum(sqk);
    float fq = rsqrtf((float)dk) / sqrtf(sq + GDR_L2_EPS);
    float fk = 1.0f / sqrtf(sk + GDR_L2_EPS);
    float* qo = qn + (r * heads + h) * dk;
    float* ko = kn + (r * heads + h) * dk;
    for (int i = lane; i < dk; i += 32) {
        float qi = qr[i], ki = kr[i];
        if (silu_qk) { qi = gdr_silu(qi); ki = gdr_silu(ki); }
        qo[i] = qi * fq;
        ko[i] = ki * fk;
    }
    if (lane == 0) {
        float* o = gbq + (r * heads + h) * 3;
        o[0] = gdr_log_decay(a[r * ab_stride + h], a_log[h], dt_bias[h]);
        o[1] = gdr_sigmoid(b[r * ab_stride + h]) * beta_scale;
        o[2] = sqk * fq * fk;
    }
}

extern "C" __global__ void __launch_bounds__(GDR_COLS * GDR_ROWS)
gdr_prefill_kernel1(float* __restrict__ state, float* __restrict__ o,
                    const float* __restrict__ qn, const float* __restrict__ kn,
                    const float* __restrict__ v, int v_stride, const float* __restrict__ gbq,
                    int tokens, int heads, int dk, int dv) {
    __shared__ float red[2][2][GDR_ROWS][GDR_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int j = blockIdx.x * GDR_COLS + tx, h = blockIdx.y, bi = blockIdx.z;
    const bool col = j < dv;
    float* S = state + ((long long)bi * heads + h) * dk * dv;
    float s[GDR_PER_THREAD];
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) {
        int i = ty + r * GDR_ROWS;
        s[r] = (col && i < dk) ? S[(long long)i * dv + j] : 0.0f;
    }
    for (int t = 0; t < tokens; t++) {
        long long row = (long long)bi * tokens + t;
        const float* kt = kn + (row * heads + h) * dk;
        const float* qt = qn + (row * heads + h) * dk;
        // loads that do not wait for the reduction go first, so their latency overlaps it
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
        red[buf][0][ty][tx] = pk;
        red[buf][1][ty][tx] = pq;
        __syncthreads();
        pk = 0.0f;
        pq = 0.0f;
#pragma unroll
        for (int y = 0; y < GDR_ROWS; y++) {
            pk += red[buf][0][y][tx];
            pq += red[buf][1][y][tx];
        }
        const float alpha = expf(g);
        float u = beta * (vj - alpha * pk);
        if (col && ty == 0) o[row * heads * dv + (long long)h * dv + j] = alpha * pq + qk * u;
#pragma unroll
        for (int r = 0; r < GDR_PER_THREAD; r++) s[r] = alpha * s[r] + kr[r] * u;
    }
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) {
        int i = ty + r * GDR_ROWS;
        if (col && i < dk) S[(long long)i * dv + j] = s[r];
    }
}

extern "C" __global__ void __launch_bounds__(GDR_COLS * GDR_ROWS)
gdr_decode_kernel1(float* __restrict__ state, float* __restrict__ o,
                   const float* __restrict__ q, int q_stride, const float* __restrict__ k, int k_stride,
                   const float* __restrict__ v, int v_stride,
                   const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                   const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                   int heads, int dk, int dv, int silu_qk, float beta_scale) {
    __shared__ float qs[GDR_MAX_DK], ks[GDR_MAX_DK];
    __shared__ float part[3][GDR_ROWS];   // one partial per warp: the block is GDR_ROWS warps
    __shared__ float red[2][GDR_ROWS][GDR_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * GDR_COLS + tx;
    const int j = blockIdx.x * GDR_COLS + tx, h = blockIdx.y, bi = blockIdx.z;
    const bool col = j < dv;
    const float* qr = q + (long long)bi * q_stride + (long long)h * dk;
    const float* kr = k + (long long)bi * k_stride + (long long)h * dk;
    float sq = 0.0f, sk = 0.0f, sqk = 0.0f;
    for (int i = tid; i < dk; i += GDR_COLS * GDR_ROWS) {
        float qi = qr[i], ki = kr[i];
        if (silu_qk) { qi = gdr_silu(qi); ki = gdr_silu(ki); }
        qs[i] = qi;
        ks[i] = ki;
        sq += qi * qi;
        sk += ki * ki;
        sqk += qi * ki;
    }
    sq = gdr_warp_sum(sq);
    sk = gdr_warp_sum(sk);
    sqk = gdr_warp_sum(sqk);
    if (tx == 0) { part[0][ty] = sq; part[1][ty] = sk; part[2][ty] = sqk; } // warp ty is row ty (32 threads)
    float* S = state + ((long long)bi * heads + h) * dk * dv;
    float s[GDR_PER_THREAD];
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) { // the state load overlaps the barrier
        int i = ty + r * GDR_ROWS;
        s[r] = (col && i < dk) ? S[(long long)i * dv + j] : 0.0f;
    }
    __syncthreads();
    sq = 0.0f; sk = 0.0f; sqk = 0.0f;
#pragma unroll
    for (int w = 0; w < GDR_ROWS; w++) { sq += part[0][w]; sk += part[1][w]; sqk += part[2][w]; }
    const float fq = rsqrtf((float)dk) / sqrtf(sq + GDR_L2_EPS);
    const float fk = 1.0f / sqrtf(sk + GDR_L2_EPS);
    float pk = 0.0f, pq = 0.0f;
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) {
        int i = ty + r * GDR_ROWS;
        if (i < dk) {
            pk += s[r] * ks[i];
            pq += s[r] * qs[i];
        }
    }
    red[0][ty][tx] = pk * fk;
    red[1][ty][tx] = pq * fq;
    __syncthreads();
    pk = 0.0f;
    pq = 0.0f;
#pragma unroll
    for (int y = 0; y < GDR_ROWS; y++) { pk += red[0][y][tx]; pq += red[1][y][tx]; }
    const float alpha = expf(gdr_log_decay(a[(long long)bi * ab_stride + h], a_log[h], dt_bias[h]));
    const float beta = gdr_sigmoid(b[(long long)bi * ab_stride + h]) * beta_scale;
    const float qk = sqk * fq * fk;
    float vj = col ? v[(long long)bi * v_stride + (long long)h * dv + j] : 0.0f;
    float u = beta * (vj - alpha * pk);
    if (col && ty == 0) o[((long long)bi * heads + h) * dv + j] = alpha * pq + qk * u;
#pragma unroll
    for (int r = 0; r < GDR_PER_THREAD; r++) {
        int i = ty + r * GDR_ROWS;
        if (col && i < dk) S[(long long)i * dv + j] = alpha * s[r] + ks[i] * fk * u;
    }
}

extern "C" __global__ void gdr_out_norm_kernel1(float* __restrict__ o, const float* __restrict__ gate, int gate_stride,
                                                const float* __restrict__ w, int heads, int dv, float eps) {
    __shared__ float partial[32];
    long long r = blockIdx.x / heads;
    int h = blockIdx.x % heads;
    float* x = o + (r * heads + h) * dv;
    const float* g = gate + r * gate_stride + (long long)h * dv;
    float ss = 0.0f;
    for (int j = threadIdx.x; j < dv; j += blockDim.x) ss += x[j] * x[j];
    ss = gdr_warp_sum(ss);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) partial[warp] = ss;
    __syncthreads();
    ss = 0.0f;
    for (int i = 0; i < warps; i++) ss += partial[i];
    float inv = 1.0f / sqrtf(ss / (float)dv + eps);
    for (int j = threadIdx.x; j < dv; j += blockDim.x) x[j] = x[j] * inv * w[j] * gdr_silu(g[j]);
}
