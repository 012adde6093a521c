/*
attention_grad.cuh: GQA attention with RoPE for training, forward and backward over whole sequences from position 0
(no cache), on the GPU; included by attention.cu. Java launcher: io.jetrt.blocks.fullattn.AttentionCudaTrainer; Java
reference: AttentionFastGrad and AttentionFastHeads (float32 storage, float64 dots), themselves tested against the
float64 AttentionBackward and the fixtures.

Layouts: qkv [rows, (H + 2 Hkv) Dh] (x times the stacked [Wq; Wk; Wv], no bias), q [rows, H Dh], k, v [rows, Hkv Dh],
rows = b T + t. Query t of head h attends keys lo(t) <= j <= t of KV head h / (H / Hkv), lo(t) = max(0, t - W + 1)
with a window W, else 0. With p_tj = exp(s_tj - lse_t), s_tj = q_t . k_j / sqrt(Dh):
  dv_j = sum_t p_tj dO_t;  ds_tj = p_tj (dO_t . v_j - delta_t) / sqrt(Dh), delta_t = dO_t . o_t;
  dq_t = sum_j ds_tj k_j;  dk_j = sum_t ds_tj q_t.
Every (query, head) and every (key, query head) is one warp; lane l holds channels l + 32 c (c < AG_MAXC); dots are
warp sums in float32. Sums over a KV group's query heads are per-head partials summed in head order: no atomics, so
every result is reproducible bit for bit.

Kernels (version 1 each: the simplest correct form, O(T^2 Dh) per head like the CPU path):
  attn_grad_rope_kernel1     q, k, v from qkv: + bias, RoPE at position t (angle t / theta^(2i/Dh) in double, cos/sin
                             cast to float, as Rope.java). Grid rows, block 128.
  attn_grad_rope_back_kernel1  the rotation's transpose (RoPE at -t) of dq, dk into dqkv's q and k columns, dv copied:
                             the gradient at qkv + bias. Grid rows, block 128.
  attn_grad_forward_kernel1  o [rows, H Dh] and lse [rows, H]: online softmax over the keys. Grid (ceil(T/4), H, B),
                             block (32, 4): warp y takes query 4 blockIdx.x + y.
  attn_grad_dq_kernel1       dq [rows, H Dh] and delta [rows, H]. Grid and block as the forward.
  attn_grad_dkv_kernel1      per query head h: dkp, dvp [rows, H Dh], key j's gradient from head h's queries.
                             Grid (ceil(T/4), H, B), block (32, 4): warp y takes key 4 blockIdx.x + y.
  attn_grad_group_sum_kernel1  dk, dv [rows, Hkv Dh] = sums of dkp, dvp over each KV head's query heads, in order.
                             Grid-stride, block 256.
*/
#pragma once
#include "common.cuh"

#define AG_MAXC 8 // channels per lane: Dh <= 256
#define AG_WARPS 4

__device__ __forceinline__ void ag_rope_angle(int t, int i, int dh, double theta, float* c, float* s) {
    double angle = (double)t * pow(theta, -2.0 * i / dh), sd, cd;
    sincos(angle, &sd, &cd);
    *c = (float)cd;
    *s = (float)sd;
}

extern "C" __global__ void attn_grad_rope_kernel1(float* __restrict__ q, float* __restrict__ k, float* __restrict__ v,
                                                  const float* __restrict__ qkv, const float* __restrict__ bias, int T, int H,
                                                  int Hkv, int dh, double theta) {
    const int r = blockIdx.x, t = r % T, half = dh / 2, width = (H + 2 * Hkv) * dh;
    const float* in = qkv + (long long)r * width;
    for (int e = threadIdx.x; e < (H + Hkv) * half; e += blockDim.x) {
        int h = e / half, i = e % half, a = h * dh + i;
        float c, s;
        ag_rope_angle(t, i, dh, theta, &c, &s);
        float x1 = in[a] + bias[a], x2 = in[a + half] + bias[a + half];
        float* out = h < H ? q + (long long)r * H * dh + h * dh : k + (long long)r * Hkv * dh + (h - H) * dh;
        out[i] = x1 * c - x2 * s;
        out[i + half] = x2 * c + x1 * s;
    }
    for (int i = threadIdx.x; i < Hkv * dh; i += blockDim.x) {
        int a = (H + Hkv) * dh + i;
        v[(long long)r * Hkv * dh + i] = in[a] + bias[a];
    }
}

extern "C" __global__ void attn_grad_rope_back_kernel1(float* __restrict__ dqkv, const float* __restrict__ dq,
                                                       const float* __restrict__ dk, const float* __restrict__ dv, int T, int H,
                                                       int Hkv, int dh, double theta) {
    const int r = blockIdx.x, t = r % T, half = dh / 2, width = (H + 2 * Hkv) * dh;
    float* out = dqkv + (long long)r * width;
    for (int e = threadIdx.x; e < (H + Hkv) * half; e += blockDim.x) {
        int h = e / half, i = e % half, a = h * dh + i;
        float c, s;
        ag_rope_angle(t, i, dh, theta, &c, &s);
        const float* g = h < H ? dq + (long long)r * H * dh + h * dh : dk + (long long)r * Hkv * dh + (h - H) * dh;
        float g1 = g[i], g2 = g[i + half];
        out[a] = g1 * c + g2 * s;
        out[a + half] = g2 * c - g1 * s;
    }
    for (int i = threadIdx.x; i < Hkv * dh; i += blockDim.x) out[(H + Hkv) * dh + i] = dv[(long long)r * Hkv * dh + i];
}

// lane's channels of row `row` (a [*, heads*dh] tensor, head h) into x[]
__device__ __forceinline__ void ag_load(float* x, const float* a, long long row, int width, int h, int dh) {
    const int lane = threadIdx.x;
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) {
        int ch = lane + 32 * c;
        x[c] = ch < dh ? a[row * width + h * dh + ch] : 0.0f;
    }
}

__device__ __forceinline__ void ag_store(float* a, const float* x, long long row, int width, int h, int dh) {
    const int lane = threadIdx.x;
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) {
        int ch = lane + 32 * c;
        if (ch < dh) a[row * width + h * dh + ch] = x[c];
    }
}

// the warp's dot of x[] with row `row` of a (head h)
__device__ __forceinline__ float ag_dot(const float* x, const float* a, long long row, int width, int h, int dh) {
    const int lane = threadIdx.x;
    float s = 0.0f;
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) {
        int ch = lane + 32 * c;
        if (ch < dh) s += x[c] * a[row * width + h * dh + ch];
    }
    return warp_sum(s);
}

__device__ __forceinline__ void ag_axpy(float* y, float p, const float* a, long long row, int width, int h, int dh) {
    const int lane = threadIdx.x;
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) {
        int ch = lane + 32 * c;
        if (ch < dh) y[c] += p * a[row * width + h * dh + ch];
    }
}

extern "C" __global__ void __launch_bounds__(32 * AG_WARPS)
attn_grad_forward_kernel1(float* __restrict__ o, float* __restrict__ lse, const float* __restrict__ q, const float* __restrict__ k,
                          const float* __restrict__ v, int T, int H, int Hkv, int dh, int win, float scale) {
    const int t = blockIdx.x * AG_WARPS + threadIdx.y, h = blockIdx.y, b = blockIdx.z, kvh = h / (H / Hkv);
    if (t >= T) return;
    const long long base = (long long)b * T, row = base + t;
    float qr[AG_MAXC], acc[AG_MAXC];
    ag_load(qr, q, row, H * dh, h, dh);
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) acc[c] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    for (int j = win > 0 ? max(0, t - win + 1) : 0; j <= t; j++) {
        float s = ag_dot(qr, k, base + j, Hkv * dh, kvh, dh) * scale;
        float mn = fmaxf(m, s), corr = expf(m - mn), p = expf(s - mn);
        l = l * corr + p;
#pragma unroll
        for (int c = 0; c < AG_MAXC; c++) acc[c] *= corr;
        ag_axpy(acc, p, v, base + j, Hkv * dh, kvh, dh);
        m = mn;
    }
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) acc[c] /= l;
    ag_store(o, acc, row, H * dh, h, dh);
    if (threadIdx.x == 0) lse[row * H + h] = m + logf(l);
}

extern "C" __global__ void __launch_bounds__(32 * AG_WARPS)
attn_grad_dq_kernel1(float* __restrict__ dq, float* __restrict__ delta, const float* __restrict__ q, const float* __restrict__ k,
                     const float* __restrict__ v, const float* __restrict__ o, const float* __restrict__ dO,
                     const float* __restrict__ lse, int T, int H, int Hkv, int dh, int win, float scale) {
    const int t = blockIdx.x * AG_WARPS + threadIdx.y, h = blockIdx.y, b = blockIdx.z, kvh = h / (H / Hkv);
    if (t >= T) return;
    const long long base = (long long)b * T, row = base + t;
    float qr[AG_MAXC], g[AG_MAXC], acc[AG_MAXC];
    ag_load(qr, q, row, H * dh, h, dh);
    ag_load(g, dO, row, H * dh, h, dh);
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) acc[c] = 0.0f;
    const float dl = ag_dot(g, o, row, H * dh, h, dh), ls = lse[row * H + h];
    for (int j = win > 0 ? max(0, t - win + 1) : 0; j <= t; j++) {
        float p = expf(ag_dot(qr, k, base + j, Hkv * dh, kvh, dh) * scale - ls);
        float dp = ag_dot(g, v, base + j, Hkv * dh, kvh, dh);
        ag_axpy(acc, p * (dp - dl) * scale, k, base + j, Hkv * dh, kvh, dh);
    }
    ag_store(dq, acc, row, H * dh, h, dh);
    if (threadIdx.x == 0) delta[row * H + h] = dl;
}

extern "C" __global__ void __launch_bounds__(32 * AG_WARPS)
attn_grad_dkv_kernel1(float* __restrict__ dkp, float* __restrict__ dvp, const float* __restrict__ q, const float* __restrict__ k,
                      const float* __restrict__ v, const float* __restrict__ dO, const float* __restrict__ lse,
                      const float* __restrict__ delta, int T, int H, int Hkv, int dh, int win, float scale) {
    const int j = blockIdx.x * AG_WARPS + threadIdx.y, h = blockIdx.y, b = blockIdx.z, kvh = h / (H / Hkv);
    if (j >= T) return;
    const long long base = (long long)b * T, row = base + j;
    float kr[AG_MAXC], vr[AG_MAXC], dk[AG_MAXC], dv[AG_MAXC];
    ag_load(kr, k, row, Hkv * dh, kvh, dh);
    ag_load(vr, v, row, Hkv * dh, kvh, dh);
#pragma unroll
    for (int c = 0; c < AG_MAXC; c++) dk[c] = dv[c] = 0.0f;
    const int hi = win > 0 ? min(T - 1, j + win - 1) : T - 1;
    for (int t = j; t <= hi; t++) {
        long long rt = base + t;
        float p = expf(ag_dot(kr, q, rt, H * dh, h, dh) * scale - lse[rt * H + h]);
        float dp = ag_dot(vr, dO, rt, H * dh, h, dh);
        ag_axpy(dv, p, dO, rt, H * dh, h, dh);
        ag_axpy(dk, p * (dp - delta[rt * H + h]) * scale, q, rt, H * dh, h, dh);
    }
    ag_store(dkp, dk, row, H * dh, h, dh);
    ag_store(dvp, dv, row, H * dh, h, dh);
}

extern "C" __global__ void attn_grad_group_sum_kernel1(float* __restrict__ dk, float* __restrict__ dv, const float* __restrict__ dkp,
                                                       const float* __restrict__ dvp, long long rows, int H, int Hkv, int dh) {
    const int group = H / Hkv;
    const long long n = rows * Hkv * dh;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / (Hkv * dh);
        int kvh = (int)(e % (Hkv * dh)) / dh, ch = (int)(e % dh);
        float sk = 0.0f, sv = 0.0f;
        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            sk += dkp[(r * H + h) * dh + ch];
            sv += dvp[(r * H + h) * dh + ch];
        }
        dk[e] = sk;
        dv[e] = sv;
    }
}
