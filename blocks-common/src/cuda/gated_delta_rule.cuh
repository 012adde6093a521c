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
                         The reference of gdr_decode_kernel2 (below), which the launchers run above 8 sequences,
                         and of gdr_decode_kernel3 (below: kernel2, then the output norm by the last block of each
                         (sequence, head) and, for JetBlock, the conv step of v and the a, b projections inside),
                         which they run up to 8.
  gdr_out_norm_kernel1   in place on o [rows, H*Dv]: o = o * rsqrt(mean_Dv(o^2) + eps) * w[j] * silu(gate[j]).
                         Launch: grid rows*H, block 128. The reference of:
  gdr_out_norm_kernel2   kernel1's math with one warp per (row, head), 8 per block: kernel1's block of 128 threads
                         had two elements each at Dv 256. Launch: grid ceil(rows*H / 8), block 256.

Inputs given as (pointer, row stride) so they can be column ranges of one fused projection [rows, P].
Every kernel needs blockDim as its launch line says (the reductions assume it).
*/
#pragma once
#include "common.cuh"
#include "tile64.cuh"

#define GDR_MAX_DK 256
#define GDR_COLS 32                          // blockDim.x of the scan kernels: state columns per block
#define GDR_ROWS 8                           // blockDim.y of the scan kernels: Dk is split over these
#define GDR_PER_THREAD (GDR_MAX_DK / GDR_ROWS) // state rows a thread holds at most
#define GDR_L2_EPS 1e-6f

// g = -exp(A_log) * softplus(a + dt_bias) <= 0; the decay is exp(g)
__device__ __forceinline__ float gdr_log_decay(float a, float a_log, float dt_bias) {
    return -expf(a_log) * softplus_f(a + dt_bias);
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
        if (silu_qk) { qi = silu_f(qi); ki = silu_f(ki); }
        sq += qi * qi;
        sk += ki * ki;
        sqk += qi * ki;
    }
    sq = warp_sum(sq);
    sk = warp_sum(sk);
    sqk = warp_sum(sqk);
    float fq = rsqrtf((float)dk) / sqrtf(sq + GDR_L2_EPS);
    float fk = 1.0f / sqrtf(sk + GDR_L2_EPS);
    float* qo = qn + (r * heads + h) * dk;
    float* ko = kn + (r * heads + h) * dk;
    for (int i = lane; i < dk; i += 32) {
        float qi = qr[i], ki = kr[i];
        if (silu_qk) { qi = silu_f(qi); ki = silu_f(ki); }
        qo[i] = qi * fq;
        ko[i] = ki * fk;
    }
    if (lane == 0) {
        float* o = gbq + (r * heads + h) * 3;
        o[0] = gdr_log_decay(a[r * ab_stride + h], a_log[h], dt_bias[h]);
        o[1] = sigmoid_f(b[r * ab_stride + h]) * beta_scale;
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
        if (silu_qk) { qi = silu_f(qi); ki = silu_f(ki); }
        qs[i] = qi;
        ks[i] = ki;
        sq += qi * qi;
        sk += ki * ki;
        sqk += qi * ki;
    }
    sq = warp_sum(sq);
    sk = warp_sum(sk);
    sqk = warp_sum(sqk);
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
    const float beta = sigmoid_f(b[(long long)bi * ab_stride + h]) * beta_scale;
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
    ss = warp_sum(ss);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) partial[warp] = ss;
    __syncthreads();
    ss = 0.0f;
    for (int i = 0; i < warps; i++) ss += partial[i];
    float inv = 1.0f / sqrtf(ss / (float)dv + eps);
    for (int j = threadIdx.x; j < dv; j += blockDim.x) x[j] = x[j] * inv * w[j] * silu_f(g[j]);
}

extern "C" __global__ void gdr_out_norm_kernel2(float* __restrict__ o, const float* __restrict__ gate, int gate_stride,
                                                const float* __restrict__ w, int rows, int heads, int dv, float eps) {
    const long long unit = (long long)blockIdx.x * 8 + (threadIdx.x >> 5); // (row, head)
    const int lane = threadIdx.x & 31;
    if (unit >= (long long)rows * heads) return; // whole warps leave together: the shuffles stay full
    float* x = o + unit * dv;
    const float* g = gate + (unit / heads) * gate_stride + (unit % heads) * dv;
    float ss = 0.0f;
#pragma unroll 8
    for (int j = lane; j < dv; j += 32) ss += x[j] * x[j];
    const float inv = 1.0f / sqrtf(warp_sum(ss) / (float)dv + eps);
#pragma unroll 8
    for (int j = lane; j < dv; j += 32) x[j] = x[j] * inv * w[j] * silu_f(g[j]);
}

/*
gdr_decode_kernel2: gdr_decode_kernel1's math (one token per sequence, q/k silu and L2 norm, g, beta, read and
write the state once) in one round trip to memory and one barrier, for bandwidth at large batch:
  thread (tx, ty) of block (TX, TY) owns the 4 consecutive state columns j0 = 4 (blockIdx.x TX + tx) .. j0 + 3
  and the rows i = ty + r TY, r < GDR2D_R (4): its state is up to 4 float4 (16-byte loads and stores, a warp
  reads 32/TX rows of 16 TX bytes each). Every load (state, q and k of its rows, v of its columns, a, b, A_log,
  dt_bias) is issued before any use; the L2 norms are folded in after the reduction (P_k = fk sum_i S k_raw,
  P_q = fq sum_i S q_raw), so the partial products of S with the raw k, q and the three norm sums go through
  one shuffle reduction over the row groups of a warp and one shared-memory reduction over warps: one
  __syncthreads in all. The float4 path needs Dv % 4 == 0 and a 16-byte aligned state, else scalar accesses.
  Launch: grid (ceil(Dv / (4 TX)), H, B), block (TX, TY) with TX a power of two <= 16,
  TY >= ceil(Dk / 4), TX TY a multiple of 32 and <= 512 (gdr2d_block in the launchers: TX 8 for large
  grids, fewer columns per block where the grid would be small).
*/
#define GDR2D_R 4      // state rows per thread
#define GDR2D_RED 256  // float4 partials per reduction buffer: (threads/32) * TX <= 512 * 16 / 32

__device__ __forceinline__ float4 gdr2d_load(const float* p, int left, bool vec) {
    if (vec) return *reinterpret_cast<const float4*>(p);
    float4 r;
    r.x = p[0];
    r.y = left > 1 ? p[1] : 0.0f;
    r.z = left > 2 ? p[2] : 0.0f;
    r.w = left > 3 ? p[3] : 0.0f;
    return r;
}

// gdr_decode_kernel3's extras over kernel2 (null conv_cache: v is read as kernel2 reads it).
struct GdrDecodeConv {             // JetBlock's dynamic conv step for v (causal_conv_step_kernel1, silu after it)
    float* cache;                  // [B, H·Dv, W], shifted left, the new x in slot W-1
    const float* kern;             // [B, ·] rows kern_stride apart: channel c's W taps at c·W
    long long kern_stride;
    const float* kbias;            // [H·Dv·W], added to the taps
    int width;
};
struct GdrDecodeGates {            // JetBlock's a and b projections of the block input x (fp32 w [2H, D]: a rows, then b rows)
    const float* x; int x_stride;
    const float* w; int d;
};
struct GdrDecodeNorm {             // the gated output norm (gdr_out_norm_kernel2) by the last block of each (sequence, head)
    const float* gate; int gate_stride;
    const float* w;                // [Dv]
    float eps;
    float* ss_part;                // [B·H, gridDim.x] scratch: each block's sum of o^2 over its columns
    unsigned* tickets;             // [B·H] zero before the launch, zero again after it (the last block resets its own)
};

// The gated output norm of one (sequence, head) row x [Dv] whose columns the gridDim.x blocks of this (b, h) wrote:
// each block publishes the sum of squares of its 4 columns per thread of row group 0 (j0 < 0: none), and the last
// block to take a ticket sums them in block order (the same bits whichever block is last) and normalises the row:
// x * inv * w * silu(gate), gdr_out_norm_kernel2's expression. Called by every thread of the block.
__device__ __forceinline__ void gdr_decode_norm(float* x, const GdrDecodeNorm& norm, int j0, long long unit,
                                                const float* __restrict__ g, int dv, int tid, int threads) {
    __shared__ bool last;
    float ss = 0.0f;
    if (j0 >= 0) {
        for (int c = 0; c < 4 && j0 + c < dv; c++) ss += x[j0 + c] * x[j0 + c];
    }
    // row group 0 is threads 0 .. TX-1 (TX <= 16) of warp 0
    if (tid < 32) {
        ss = warp_sum(ss);
        if (tid == 0) {
            norm.ss_part[unit * gridDim.x + blockIdx.x] = ss;
        }
    }
    if (tid < 32) __threadfence();         // warp 0 wrote this block's columns and sum: visible before its ticket
    __syncthreads();
    if (tid == 0) last = atomicAdd(norm.tickets + unit, 1u) == gridDim.x - 1;
    __syncthreads();
    if (!last) return;
    __threadfence();
    if (tid == 0) norm.tickets[unit] = 0u;    // ready for the next launch (every other block took its ticket)
    float total = 0.0f;
    for (unsigned p = 0; p < gridDim.x; p++) total += __ldcg(norm.ss_part + unit * gridDim.x + p);
    const float inv = 1.0f / sqrtf(total / (float)dv + norm.eps);
    for (int j = tid; j < dv; j += threads) x[j] = __ldcg(x + j) * inv * norm.w[j] * silu_f(g[j]);
}

// FUSED: gdr_decode_kernel3 (the norm; the conv step where conv.cache is set; a, b from x where gates.w is set),
// else gdr_decode_kernel2.
template <bool FUSED>
__device__ __forceinline__ void gdr_decode_body(float* __restrict__ state, float* __restrict__ o,
                   const float* __restrict__ q, int q_stride, const float* __restrict__ k, int k_stride,
                   const float* __restrict__ v, int v_stride,
                   const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                   const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                   int heads, int dk, int dv, int silu_qk, float beta_scale, const GdrDecodeConv& conv,
                   const GdrDecodeGates& gates, const GdrDecodeNorm& norm) {
    __shared__ float4 redk[GDR2D_RED], redq[GDR2D_RED];
    __shared__ float redn[5][16];          // per warp: the sums of q^2, k^2, q.k and (gates) x.w_a, x.w_b
    const bool conv_v_here = FUSED && conv.cache != nullptr, gates_here = FUSED && gates.w != nullptr;
    const int TX = blockDim.x, TY = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
    const int tid = ty * TX + tx, warp = tid >> 5, lane = tid & 31, warps = (TX * TY) >> 5;
    const int h = blockIdx.y, bi = blockIdx.z;
    const int j0 = (blockIdx.x * TX + tx) * 4, left = dv - j0;
    float* S = state + ((long long)bi * heads + h) * dk * dv;
    const bool vec = (dv & 3) == 0 && (reinterpret_cast<unsigned long long>(S) & 15) == 0;
    float4 s[GDR2D_R];
    float qv[GDR2D_R], kv[GDR2D_R];
    const float* qr = q + (long long)bi * q_stride + (long long)h * dk;
    const float* kr = k + (long long)bi * k_stride + (long long)h * dk;
#pragma unroll
    for (int r = 0; r < GDR2D_R; r++) {
        const int i = ty + r * TY;
        const bool in = i < dk;
        s[r] = in && left > 0 ? gdr2d_load(S + (long long)i * dv + j0, left, vec) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        qv[r] = in ? qr[i] : 0.0f;
        kv[r] = in ? kr[i] : 0.0f;
    }
    const float* vr = v + (long long)bi * v_stride + (long long)h * dv + j0;
    float4 vj = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    __shared__ float4 conv_v[16];          // row group 0's conv output v of each column thread (TX <= 16)
    if (conv_v_here) {
        // the conv step of channels h·Dv + j0 .. + 3 (causal_conv_step_kernel1's sums) by row group 0, which also
        // shifts their cache rows (no other thread reads them); the others take v from it after the barrier below
        if (ty == 0) {
            const long long c0 = (long long)h * dv + j0;
            auto step = [&](int c) {       // channel c0 + c: its conv output (silu after), its cache row shifted
                float* row = conv.cache + ((long long)bi * heads * dv + c0 + c) * conv.width;
                const float* kr = conv.kern + (long long)bi * conv.kern_stride + (c0 + c) * conv.width;
                const float* kb = conv.kbias + (c0 + c) * conv.width;
                const float x = vr[c];
                float acc = 0.0f;
                for (int w = 0; w < conv.width; w++) {
                    float in = w + 1 < conv.width ? row[w + 1] : x;
                    acc += in * (kr[w] + kb[w]);
                    row[w] = in;
                }
                return silu_f(acc);
            };
            if (left > 0) vj.x = step(0);
            if (left > 1) vj.y = step(1);
            if (left > 2) vj.z = step(2);
            if (left > 3) vj.w = step(3);
            conv_v[tx] = vj;
        }
    } else if (left > 0) {
        vj.x = vr[0];
        if (left > 1) vj.y = vr[1];
        if (left > 2) vj.z = vr[2];
        if (left > 3) vj.w = vr[3];
    }
    float av = 0.0f, bv = 0.0f;
    if (gates_here) {
        // a = x . w_a[h], b = x . w_b[h] over the whole block: each warp's sums go through the reduction below
        const float* xr = gates.x + (long long)bi * gates.x_stride;
        const float* wa = gates.w + (long long)h * gates.d;
        const float* wb = gates.w + (long long)(heads + h) * gates.d;
        for (int i = tid; i < gates.d; i += TX * TY) {
            const float xv = xr[i];
            av += xv * wa[i];
            bv += xv * wb[i];
        }
        av = warp_sum(av);
        bv = warp_sum(bv);
    } else {
        av = a[(long long)bi * ab_stride + h];
        bv = b[(long long)bi * ab_stride + h];
    }
    const float alog = a_log[h], dtb = dt_bias[h];
    float sq = 0.0f, sk = 0.0f, sqk = 0.0f;
    float4 pk = make_float4(0.0f, 0.0f, 0.0f, 0.0f), pq = pk;
#pragma unroll
    for (int r = 0; r < GDR2D_R; r++) {
        if (silu_qk) { qv[r] = silu_f(qv[r]); kv[r] = silu_f(kv[r]); } // silu(0) = 0: padding rows stay 0
        sq += qv[r] * qv[r];
        sk += kv[r] * kv[r];
        sqk += qv[r] * kv[r];
        pk.x += s[r].x * kv[r]; pk.y += s[r].y * kv[r]; pk.z += s[r].z * kv[r]; pk.w += s[r].w * kv[r];
        pq.x += s[r].x * qv[r]; pq.y += s[r].y * qv[r]; pq.z += s[r].z * qv[r]; pq.w += s[r].w * qv[r];
    }
    // over the row groups of this warp (lanes tx, tx + TX, ...): every lane holds the warp's sums after it
    for (int off = TX; off < 32; off <<= 1) {
        sq += __shfl_xor_sync(0xffffffffu, sq, off);
        sk += __shfl_xor_sync(0xffffffffu, sk, off);
        sqk += __shfl_xor_sync(0xffffffffu, sqk, off);
        pk.x += __shfl_xor_sync(0xffffffffu, pk.x, off);
        pk.y += __shfl_xor_sync(0xffffffffu, pk.y, off);
        pk.z += __shfl_xor_sync(0xffffffffu, pk.z, off);
        pk.w += __shfl_xor_sync(0xffffffffu, pk.w, off);
        pq.x += __shfl_xor_sync(0xffffffffu, pq.x, off);
        pq.y += __shfl_xor_sync(0xffffffffu, pq.y, off);
        pq.z += __shfl_xor_sync(0xffffffffu, pq.z, off);
        pq.w += __shfl_xor_sync(0xffffffffu, pq.w, off);
    }
    if (lane < TX) { // the warp's first row group: lane == tx
        redk[warp * TX + tx] = pk;
        redq[warp * TX + tx] = pq;
        if (lane == 0) { redn[0][warp] = sq; redn[1][warp] = sk; redn[2][warp] = sqk; }
        if (gates_here && lane == 0) { redn[3][warp] = av; redn[4][warp] = bv; }
    }
    __syncthreads();
    pk = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    pq = pk;
    sq = 0.0f; sk = 0.0f; sqk = 0.0f;
    for (int w = 0; w < warps; w++) {
        const float4 ck = redk[w * TX + tx], cq = redq[w * TX + tx];
        pk.x += ck.x; pk.y += ck.y; pk.z += ck.z; pk.w += ck.w;
        pq.x += cq.x; pq.y += cq.y; pq.z += cq.z; pq.w += cq.w;
        sq += redn[0][w]; sk += redn[1][w]; sqk += redn[2][w];
    }
    if (gates_here) {
        av = 0.0f;
        bv = 0.0f;
        for (int w = 0; w < warps; w++) { av += redn[3][w]; bv += redn[4][w]; }
    }
    if (conv_v_here) vj = conv_v[tx];
    const float fq = rsqrtf((float)dk) / sqrtf(sq + GDR_L2_EPS);
    const float fk = 1.0f / sqrtf(sk + GDR_L2_EPS);
    const float alpha = expf(gdr_log_decay(av, alog, dtb));
    const float beta = sigmoid_f(bv) * beta_scale;
    const float qk = sqk * fq * fk;
    float4 u;
    u.x = beta * (vj.x - alpha * pk.x * fk);
    u.y = beta * (vj.y - alpha * pk.y * fk);
    u.z = beta * (vj.z - alpha * pk.z * fk);
    u.w = beta * (vj.w - alpha * pk.w * fk);
    if (ty == 0 && left > 0) {
        float* orow = o + ((long long)bi * heads + h) * dv + j0;
        orow[0] = alpha * pq.x * fq + qk * u.x;
        if (left > 1) orow[1] = alpha * pq.y * fq + qk * u.y;
        if (left > 2) orow[2] = alpha * pq.z * fq + qk * u.z;
        if (left > 3) orow[3] = alpha * pq.w * fq + qk * u.w;
    }
#pragma unroll
    for (int r = 0; r < GDR2D_R; r++) {
        const int i = ty + r * TY;
        if (i < dk && left > 0) {
            const float kf = kv[r] * fk;
            float4 n;
            n.x = alpha * s[r].x + kf * u.x;
            n.y = alpha * s[r].y + kf * u.y;
            n.z = alpha * s[r].z + kf * u.z;
            n.w = alpha * s[r].w + kf * u.w;
            float* p = S + (long long)i * dv + j0;
            if (vec) {
                *reinterpret_cast<float4*>(p) = n;
            } else {
                p[0] = n.x;
                if (left > 1) p[1] = n.y;
                if (left > 2) p[2] = n.z;
                if (left > 3) p[3] = n.w;
            }
        }
    }
    // every thread, also of a block past Dv (its barriers and its ticket)
    if (FUSED) gdr_decode_norm(o + ((long long)bi * heads + h) * dv, norm, ty == 0 && left > 0 ? j0 : -1, bi * heads + h,
                              norm.gate + (long long)bi * norm.gate_stride + (long long)h * dv, dv, tid, TX * TY);
}

extern "C" __global__ void __launch_bounds__(512)
gdr_decode_kernel2(float* __restrict__ state, float* __restrict__ o,
                   const float* __restrict__ q, int q_stride, const float* __restrict__ k, int k_stride,
                   const float* __restrict__ v, int v_stride,
                   const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                   const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                   int heads, int dk, int dv, int silu_qk, float beta_scale) {
    gdr_decode_body<false>(state, o, q, q_stride, k, k_stride, v, v_stride, a, b, ab_stride, a_log, dt_bias,
                           heads, dk, dv, silu_qk, beta_scale, GdrDecodeConv{}, GdrDecodeGates{}, GdrDecodeNorm{});
}

// kernel2, then the gated output norm in the same launch (gdr_decode_norm); with conv_cache non-null v from JetBlock's
// dynamic conv step (the launch's v is then the conv input x, v_stride its row stride); with w_ab non-null a and b
// from x_ab [B, D] (x_stride apart) and w_ab [2H, D] (a and b unused). Launch: kernel2's, plus ss_part [B·H, gridDim.x]
// scratch and tickets [B·H] zeroed once. Checked against the conv step, kernel2 and out norm2 by gdr_test's decode3
// lines; H200, 2B head, conv step + rule + norm: B 1 8.3 us against 11.6 for the three kernels, B 8 16.3 against 16.2,
// B 64 88 against 66 (each block waits for its ticket before it leaves), so the launchers stop at 8 sequences.
extern "C" __global__ void __launch_bounds__(512, 2)
gdr_decode_kernel3(float* __restrict__ state, float* __restrict__ o,
                   const float* __restrict__ q, int q_stride, const float* __restrict__ k, int k_stride,
                   const float* __restrict__ v, int v_stride,
                   const float* __restrict__ a, const float* __restrict__ b, int ab_stride,
                   const float* __restrict__ a_log, const float* __restrict__ dt_bias,
                   int heads, int dk, int dv, int silu_qk, float beta_scale,
                   float* __restrict__ conv_cache, const float* __restrict__ kern, long long kern_stride,
                   const float* __restrict__ kbias, int width,
                   const float* __restrict__ x_ab, int x_stride, const float* __restrict__ w_ab, int d,
                   const float* __restrict__ gate, int gate_stride, const float* __restrict__ norm_w, float eps,
                   float* __restrict__ ss_part, unsigned* __restrict__ tickets) {
    gdr_decode_body<true>(state, o, q, q_stride, k, k_stride, v, v_stride, a, b, ab_stride, a_log, dt_bias, heads, dk, dv,
                          silu_qk, beta_scale, GdrDecodeConv{conv_cache, kern, kern_stride, kbias, width},
                          GdrDecodeGates{x_ab, x_stride, w_ab, d}, GdrDecodeNorm{gate, gate_stride, norm_w, eps, ss_part, tickets});
}

/*
Version 2 of the prefill scan: chunked (fla's chunk_gated_delta_rule), two kernels over one work buffer.
Chunks of GDR2_C = 64 tokens; within chunk c (rows t, s < 64, padded with zero rows past T) with
gc_t = sum_{r <= t} g_r (inclusive, relative to the chunk start, so every exp below has an argument <= 0):
  A[t,s]   = beta_t (k_t.k_s) exp(gc_t - gc_s)  for s < t, else 0;   T = (I + A)^-1 (forward substitution)
  W        = T (beta exp(gc) K)   [64, Dk]       U = T (beta V)   [64, Dv]
  Aqk[t,s] = (q_t.k_s) exp(gc_t - gc_s)  for s <= t, else 0
  Qd = exp(gc) Q,  Kd = exp(gc_63 - gc) K,  dec = exp(gc_63)   (padded rows have g = 0)
and then, sequentially over chunks from the state S0 [Dk, Dv] before the chunk (the same S, u and o as the
per-token recurrence of gdr_prefill_kernel1: unroll S_t = e^{g_t} S_{t-1} + k_t u_t^T over the chunk):
  u = U - W S0,   o = Qd S0 + Aqk u,   S = dec S0 + Kd^T u.

  gdr_chunk_kernel2      per (chunk, head, batch): everything above that does not need the state, into
                         `work` (per chunk bhc = (b*H + h)*NC + c, NC = ceil(T/64), n = B*H*NC chunks):
                         WT, QT, KT [n, Dk, 64] (W, Qd, Kd transposed), AT [n, 64, 64] (AT[s][t] = Aqk[t,s]),
                         UT [n, Dv, 64], dec [n]: GDR2_WORK(n, Dk, Dv) floats in all. Gram matrices and W, U in
                         32-column tiles through shared memory (the next tile's loads issued before the current
                         tile's products); T column by column, one per thread of the first 64, held in registers.
                         Launch: grid (NC, H, B), block 256; 35 KB static shared memory.
  gdr_prefill_kernel2    per (slice of GDR2_BV(Dk) = 32 state columns, 16 where Dk > 128; head; batch): the state
                         slice [Dk, BV] in shared memory, the chunks in order; each chunk streams 16 KB tiles (W
                         and Qd by 32 rows of Dk, then Aqk, then Kd by 64 rows of Dk) through shared memory, the
                         next tile's loads issued before the current tile's products. Thread (tg, jp), jp = tid %
                         (BV/2): o/u rows RT*tg.. (RT = 4 at BV 32, 2 at BV 16) and columns 2jp, 2jp+1; for the
                         state update rows tg + (512/BV) m of each 64-row tile. Writes o [B*T, H*Dv] (as kernel1)
                         and the final state.
                         Launch: grid (ceil(Dv/GDR2_BV(Dk)), H, B), block 256; 40 KB static shared memory.
  gdr_prefill_wide_kernel2  the same scan capped at two blocks per SM, for grids larger than the SMs.
Both read qn, kn, gbq of gdr_prep_kernel1; kernel1 stays the reference they are tested against
(gated_delta_rule_test.cu). fp32 throughout.
*/
#define GDR2_C 64
#define GDR2_BV(dk) ((dk) <= 128 ? 32 : 16)         // state columns per gdr_prefill_kernel2 block
#define GDR2_THREADS 256
#define GDR2_TS 68                                   // padded row stride of transposed tiles (16-byte rows)
#define GDR2_WORK(n, dk, dv) ((long long)(n) * (64LL * (3LL * (dk) + (dv)) + 4096LL + 1LL))

extern "C" __global__ void __launch_bounds__(GDR2_THREADS)
gdr_chunk_kernel2(float* __restrict__ work, const float* __restrict__ qn, const float* __restrict__ kn,
                  const float* __restrict__ v, int v_stride, const float* __restrict__ gbq,
                  int tokens, int heads, int dk, int dv) {
    __shared__ __align__(16) float r1[64 * GDR2_TS]; // A, then T^T (stride 68)
    __shared__ __align__(16) float r2[64 * GDR2_TS]; // K^T, Q^T tiles [32][68]; then B^T tiles [32][68]
    __shared__ float gcs[64], gam[64], kap[64], bet[64];
    const int tid = threadIdx.x, c = blockIdx.x, h = blockIdx.y, bi = blockIdx.z, nc = gridDim.x;
    const long long n = (long long)gridDim.z * heads * nc, bhc = ((long long)bi * heads + h) * nc + c;
    const int t0 = c * GDR2_C, len = min(GDR2_C, tokens - t0);
    const long long row0 = (long long)bi * tokens + t0; // global row of chunk row 0
    float* WT = work;
    float* QT = WT + n * dk * 64;
    float* KT = QT + n * dk * 64;
    float* AT = KT + n * dk * 64;
    float* UT = AT + n * 4096;
    float* dec = UT + n * dv * 64;

    // 1. g and beta of the chunk's rows (0 past T), inclusive prefix sum of g: one warp, two rows per lane
    if (tid < 32) {
        const int ta = 2 * tid, tb = ta + 1;
        float ga = 0.f, gb = 0.f, ba = 0.f, bb = 0.f;
        if (ta < len) { const float* p = gbq + ((row0 + ta) * heads + h) * 3; ga = p[0]; ba = p[1]; }
        if (tb < len) { const float* p = gbq + ((row0 + tb) * heads + h) * 3; gb = p[0]; bb = p[1]; }
        float excl;
        const float incl = warp_prefix_sum(ga + gb, tid, excl);
        gcs[ta] = excl + ga;
        gcs[tb] = incl;
        bet[ta] = ba;
        bet[tb] = bb;
    }
    __syncthreads();
    if (tid < 64) {
        gam[tid] = expf(gcs[tid]);
        kap[tid] = expf(gcs[63] - gcs[tid]);
    }
    if (tid == 0) dec[bhc] = expf(gcs[63]);

    // 2. Gram matrices K K^T and Q K^T over Dk in tiles of 32; Qd^T and Kd^T written on the way
    const int tt = tid >> 4, ss = tid & 15; // rows 4tt..4tt+3, columns 4ss..4ss+3
    float kk[4][4], qk[4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) { kk[a][b] = 0.f; qk[a][b] = 0.f; }
    float* Kt = r2;
    float* Qt = r2 + 32 * GDR2_TS;
    float kst[8], qst[8]; // the next tile, loaded before the current one's products
    auto load_kq = [&](int i0) {
        const int i = i0 + (tid & 31);
#pragma unroll
        for (int m = 0; m < 8; m++) {
            const int t = (tid >> 5) + 8 * m;
            const bool ok = t < len && i < dk;
            const long long at = ((row0 + t) * heads + h) * dk + i;
            kst[m] = ok ? kn[at] : 0.f;
            qst[m] = ok ? qn[at] : 0.f;
        }
    };
    load_kq(0);
    for (int i0 = 0; i0 < dk; i0 += 32) {
        __syncthreads();
#pragma unroll
        for (int m = 0; m < 8; m++) {
            const int t = (tid >> 5) + 8 * m;
            Kt[(tid & 31) * GDR2_TS + t] = kst[m];
            Qt[(tid & 31) * GDR2_TS + t] = qst[m];
        }
        __syncthreads();
        if (i0 + 32 < dk) load_kq(i0 + 32);
#pragma unroll
        for (int m = 0; m < 8; m++) {
            const int e = tid + GDR2_THREADS * m, rr = e >> 6, t = e & 63;
            if (i0 + rr < dk) {
                const long long at = (bhc * dk + i0 + rr) * 64 + t;
                QT[at] = Qt[rr * GDR2_TS + t] * gam[t];
                KT[at] = Kt[rr * GDR2_TS + t] * kap[t];
            }
        }
#pragma unroll 4
        for (int ii = 0; ii < 32; ii++) {
            const float4 qa = *(const float4*)&Qt[ii * GDR2_TS + 4 * tt];
            const float4 ka = *(const float4*)&Kt[ii * GDR2_TS + 4 * tt];
            const float4 kb = *(const float4*)&Kt[ii * GDR2_TS + 4 * ss];
            const float qv[4] = {qa.x, qa.y, qa.z, qa.w}, kv[4] = {ka.x, ka.y, ka.z, ka.w}, sv[4] = {kb.x, kb.y, kb.z, kb.w};
#pragma unroll
            for (int a = 0; a < 4; a++)
#pragma unroll
                for (int b = 0; b < 4; b++) {
                    kk[a][b] += kv[a] * sv[b];
                    qk[a][b] += qv[a] * sv[b];
                }
        }
    }

    // 3. A into shared memory (stride 68), Aqk^T to the work buffer; exp only where s <= t (argument <= 0)
    float* As = r1;
#pragma unroll
    for (int b = 0; b < 4; b++) {
        const int s = 4 * ss + b;
        float aq[4];
#pragma unroll
        for (int a = 0; a < 4; a++) {
            const int t = 4 * tt + a;
            const float d = s <= t ? expf(gcs[t] - gcs[s]) : 0.f;
            As[t * GDR2_TS + s] = s < t ? bet[t] * kk[a][b] * d : 0.f;
            aq[a] = s <= t ? qk[a][b] * d : 0.f;
        }
        *(float4*)&AT[bhc * 4096 + s * 64 + 4 * tt] = make_float4(aq[0], aq[1], aq[2], aq[3]);
    }
    __syncthreads();

    // 4. T = (I + A)^-1: thread x < 64 solves column x by forward substitution, the column in registers
    //    (fully unrolled; A[t][s] is the same address for every thread: a broadcast); then T^T row x = that column
    float x[64];
    if (tid < 64) {
#pragma unroll
        for (int t = 0; t < 64; t++) {
            float acc = t == tid ? 1.f : 0.f;
#pragma unroll
            for (int s = 0; s < t; s++) acc -= As[t * GDR2_TS + s] * x[s];
            x[t] = acc;
        }
    }
    __syncthreads(); // A is read; T^T overwrites it
    float* Tt = r1;
    if (tid < 64) {
#pragma unroll
        for (int t = 0; t < 64; t += 4) *(float4*)&Tt[tid * GDR2_TS + t] = make_float4(x[t], x[t + 1], x[t + 2], x[t + 3]);
    }

    // 5. W = T (beta gam K) and U = T (beta V), 32 columns per tile; thread: column jj, rows 8tg..8tg+7
    float* Bt = r2;
    const int jj = tid >> 3, tg = tid & 7;
    const int nkw = (dk + 31) / 32, ntile = nkw + (dv + 31) / 32;
    float bst[8]; // the next tile, loaded before the current one's products
    auto load_b = [&](int k) {
        const bool isw = k < nkw;
        const int col = 32 * (isw ? k : k - nkw) + (tid & 31), ncol = isw ? dk : dv;
#pragma unroll
        for (int m = 0; m < 8; m++) {
            const int s = (tid >> 5) + 8 * m;
            float val = 0.f;
            if (s < len && col < ncol)
                val = isw ? kn[((row0 + s) * heads + h) * dk + col] * (bet[s] * gam[s])
                          : v[(row0 + s) * v_stride + (long long)h * dv + col] * bet[s];
            bst[m] = val;
        }
    };
    load_b(0);
    for (int k = 0; k < ntile; k++) {
        const bool isw = k < nkw;
        const int c0 = 32 * (isw ? k : k - nkw), ncol = isw ? dk : dv;
        __syncthreads();
#pragma unroll
        for (int m = 0; m < 8; m++) Bt[(tid & 31) * GDR2_TS + (tid >> 5) + 8 * m] = bst[m];
        __syncthreads();
        if (k + 1 < ntile) load_b(k + 1);
        float acc[8];
#pragma unroll
        for (int a = 0; a < 8; a++) acc[a] = 0.f;
#pragma unroll 4
        for (int s = 0; s < 64; s++) {
            const float bv = Bt[jj * GDR2_TS + s];
            const float4 x0 = *(const float4*)&Tt[s * GDR2_TS + 8 * tg];
            const float4 x1 = *(const float4*)&Tt[s * GDR2_TS + 8 * tg + 4];
            acc[0] += x0.x * bv; acc[1] += x0.y * bv; acc[2] += x0.z * bv; acc[3] += x0.w * bv;
            acc[4] += x1.x * bv; acc[5] += x1.y * bv; acc[6] += x1.z * bv; acc[7] += x1.w * bv;
        }
        const int col = c0 + jj;
        if (col < ncol) {
            float* dst = isw ? WT + (bhc * dk + col) * 64 + 8 * tg : UT + (bhc * dv + col) * 64 + 8 * tg;
            *(float4*)dst = make_float4(acc[0], acc[1], acc[2], acc[3]);
            *(float4*)(dst + 4) = make_float4(acc[4], acc[5], acc[6], acc[7]);
        }
    }
}

// g and beta of a chunk's 64 rows (0 past T): gcs = the inclusive prefix sum of g, gam = e^gcs, kap = e^(gcs_63 - gcs);
// one warp scans, two rows per lane. Synchronises: afterwards every thread may read all four.
__device__ __forceinline__ void gdr2_gates(float* gcs, float* bet, float* gam, float* kap, const float* __restrict__ gbq,
                                           long long row0, int len, int heads, int h) {
    const int tid = threadIdx.x;
    if (tid < 32) {
        const int ta = 2 * tid, tb = ta + 1;
        float ga = 0.f, gb = 0.f, ba = 0.f, bb = 0.f;
        if (ta < len) { const float* p = gbq + ((row0 + ta) * heads + h) * 3; ga = p[0]; ba = p[1]; }
        if (tb < len) { const float* p = gbq + ((row0 + tb) * heads + h) * 3; gb = p[0]; bb = p[1]; }
        float excl;
        const float incl = warp_prefix_sum(ga + gb, tid, excl);
        gcs[ta] = excl + ga;
        gcs[tb] = incl;
        bet[ta] = ba;
        bet[tb] = bb;
    }
    __syncthreads();
    if (tid < 64) {
        gam[tid] = expf(gcs[tid]);
        kap[tid] = expf(gcs[63] - gcs[tid]);
    }
    __syncthreads();
}

// KKE[t][s] = (k_t.k_s) e^{gc_t - gc_s} for s < t (else 0) into acc, from the chunk's keys K [64, Dk].
__device__ __forceinline__ void gdr2_kke(float (&acc)[4][4], const Tile64View& K, int dk, const float* gcs, float* stages) {
    tile64_zero(acc);
    tile64_mma<true, true>(acc, dk, K, K.t(), stages);
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), s = tile64_col(p, q);
            acc[p][q] = s < t ? acc[p][q] * expf(gcs[t] - gcs[s]) : 0.f;
        }
}

// T = (I + diag(beta) KKE)^-1 into Tm (row stride TILE64_TS) from KKE in Ct, by forward substitution down the rows,
//   T[t][x] = -beta_t sum_{x <= s < t} KKE[t][s] T[s][x]   (t > x; T[x][x] = 1, zero above),
// column x by the four lanes 4x .. 4x+3, each summing every fourth term, then two shuffles; __syncwarp publishes each
// row to the group. A warp's eight columns start their sums at its first column (T[s][x] = 0 for s < x adds zeros), so
// its loops stay uniform. One column per thread (64 threads, a serial chain per column) was a fifth of
// gdr_chunk_kernel3's time in ncu. Synchronises.
__device__ __forceinline__ void gdr2_solve_t(float* Tm, const float* Ct, const float* bet) {
    const int tid = threadIdx.x, x = tid >> 2, part = tid & 3, s0 = 8 * (tid >> 5);
    for (int t = part; t <= x; t += 4) Tm[t * TILE64_TS + x] = t == x ? 1.f : 0.f;
    __syncwarp();
    for (int t = s0 + 1; t < 64; t++) {
        float a = 0.f;
        for (int s = s0 + part; s < t; s += 4) a += Ct[t * TILE64_TS + s] * Tm[s * TILE64_TS + x];
        a += __shfl_xor_sync(0xffffffffu, a, 1);
        a += __shfl_xor_sync(0xffffffffu, a, 2);
        if (part == 0 && t > x) Tm[t * TILE64_TS + x] = -bet[t] * a;
        __syncwarp();
    }
    __syncthreads();
}

// The shared memory of the chunk kernels (gdr_chunk_kernel3, gdr_grad_chunk_kernel2), dynamic: T and a scratch tile
// [64, TILE64_TS], then tile64_mma's ring of slices.
#define GDR_CHUNK_SMEM_FLOATS (2 * 64 * TILE64_TS + TILE64_STAGES * TILE64_STAGE_FLOATS)

// A launch with less dynamic shared memory than GDR_CHUNK_SMEM_FLOATS traps (a launch failure) instead of writing
// past the allocation: the size is passed from Java (TensorCoreChunk), apart from this header.
__device__ __forceinline__ void gdr2_check_smem() {
    unsigned bytes;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(bytes));
    if (bytes < GDR_CHUNK_SMEM_FLOATS * sizeof(float)) __trap();
}

// 64 rows x Dk of a chunk, transposed and row-scaled: dst[i][t] = scale[t] src[t][i] ([Dk, 64], i < dk), through the
// scratch tile (64 columns at a time) so that both the reads of src and the writes of dst are coalesced.
__device__ __forceinline__ void gdr2_store_scaled_t(float* __restrict__ dst, const Tile64View& src, const float* scale,
                                                    int dk, float* Ct) {
    const int tid = threadIdx.x;
    for (int i0 = 0; i0 < dk; i0 += 64) {
#pragma unroll // a fixed count: all 16 loads in flight at once
        for (int r = 0; r < 64 * 64 / TILE64_THREADS; r++) {
            const int e = tid + TILE64_THREADS * r, t = e >> 6, i = e & 63;
            Ct[i * TILE64_TS + t] = scale[t] * src.at(t, i0 + i);
        }
        __syncthreads();
#pragma unroll
        for (int r = 0; r < 64 * 64 / TILE64_THREADS; r++) {
            const int e = tid + TILE64_THREADS * r, i = e >> 6, t = e & 63;
            if (i0 + i < dk) dst[(long long)(i0 + i) * 64 + t] = Ct[i * TILE64_TS + t];
        }
        __syncthreads();
    }
}

/*
gdr_chunk_kernel3: gdr_chunk_kernel2's work buffer (same layout, same math), its products on tensor cores (tile64.cuh,
3xTF32): the Gram matrices K K^T and Q K^T, then W = T BK and U = T BV by 64-column tiles; T by forward substitution
(gdr2_solve_t). Kernel2 stays the reference (gated_delta_rule_test.cu runs both against kernel1 and the CPU twin).
Launch: grid (NC, H, B), block 256; GDR_CHUNK_SMEM_FLOATS floats of dynamic shared memory (74.5 KB).
*/
extern "C" __global__ void __launch_bounds__(TILE64_THREADS, 2)
gdr_chunk_kernel3(float* __restrict__ work, const float* __restrict__ qn, const float* __restrict__ kn,
                  const float* __restrict__ v, int v_stride, const float* __restrict__ gbq,
                  int tokens, int heads, int dk, int dv) {
    extern __shared__ __align__(16) float smem[];
    gdr2_check_smem();
    float* Tm = smem;
    float* Ct = Tm + 64 * TILE64_TS;
    float* stages = Ct + 64 * TILE64_TS;
    __shared__ float gcs[64], gam[64], kap[64], bet[64], bg[64];
    const int tid = threadIdx.x, c = blockIdx.x, h = blockIdx.y, bi = blockIdx.z, nc = gridDim.x;
    const long long n = (long long)gridDim.z * heads * nc, bhc = ((long long)bi * heads + h) * nc + c;
    const int t0 = c * GDR2_C, len = min(GDR2_C, tokens - t0);
    const long long row0 = (long long)bi * tokens + t0, kd = (long long)heads * dk;
    float* WT = work;
    float* QT = WT + n * dk * 64;
    float* KT = QT + n * dk * 64;
    float* AT = KT + n * dk * 64;
    float* UT = AT + n * 4096;
    float* dec = UT + n * dv * 64;
    const Tile64View Q{qn + row0 * kd + (long long)h * dk, heads * dk, 1, len, dk};
    const Tile64View K{kn + row0 * kd + (long long)h * dk, heads * dk, 1, len, dk};
    const Tile64View V{v + row0 * v_stride + (long long)h * dv, v_stride, 1, len, dv};
    gdr2_gates(gcs, bet, gam, kap, gbq, row0, len, heads, h);
    if (tid == 0) dec[bhc] = expf(gcs[63]);
    if (tid < 64) bg[tid] = bet[tid] * gam[tid];
    float acc[4][4];
    gdr2_kke(acc, K, dk, gcs, stages);
    tile64_store(Ct, acc);
    gdr2_solve_t(Tm, Ct, bet);

    // Aqk^T: AT[s][t] = (q_t.k_s) e^{gc_t - gc_s} for s <= t, else 0
    tile64_zero(acc);
    tile64_mma<true, true>(acc, dk, Q, K.t(), stages);
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), s = tile64_col(p, q);
            AT[bhc * 4096 + s * 64 + t] = s <= t ? acc[p][q] * expf(gcs[t] - gcs[s]) : 0.f;
        }
    // Qd^T = (gam Q)^T, Kd^T = (kap K)^T
    gdr2_store_scaled_t(QT + bhc * dk * 64, Q, gam, dk, Ct);
    gdr2_store_scaled_t(KT + bhc * dk * 64, K, kap, dk, Ct);
    // W^T = (T diag(beta gam) K)^T, U^T = (T diag(beta) V)^T by 64 columns
    for (int i0 = 0; i0 < dk; i0 += 64) {
        tile64_zero(acc);
        tile64_mma<true, false>(acc, 64, [&](int t, int s) { return Tm[t * TILE64_TS + s] * bg[s]; }, K.cols(i0), stages);
#pragma unroll
        for (int p = 0; p < 4; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = tile64_row(q), i = i0 + tile64_col(p, q);
                if (i < dk) WT[(bhc * dk + i) * 64 + t] = acc[p][q];
            }
    }
    for (int j0 = 0; j0 < dv; j0 += 64) {
        tile64_zero(acc);
        tile64_mma<true, false>(acc, 64, [&](int t, int s) { return Tm[t * TILE64_TS + s] * bet[s]; }, V.cols(j0), stages);
#pragma unroll
        for (int p = 0; p < 4; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = tile64_row(q), j = j0 + tile64_col(p, q);
                if (j < dv) UT[(bhc * dv + j) * 64 + t] = acc[p][q];
            }
    }
}

// Tile k of chunk bhc for gdr_prefill_kernel2 into registers, 16 floats per thread (zeros past Dk):
// k < nA: rows 32k.. of W^T then of Qd^T; k == nA: Aqk^T; k > nA: rows 64(k-nA-1).. of Kd^T.
__device__ __forceinline__ void gdr2_load_tile(float4 (&st)[4], const float* __restrict__ WT, const float* __restrict__ QT,
                                               const float* __restrict__ AT, const float* __restrict__ KT,
                                               long long bhc, int k, int nA, int dk, int tid) {
#pragma unroll
    for (int m = 0; m < 4; m++) {
        const int f = (tid + GDR2_THREADS * m) * 4;
        const float* src = nullptr;
        if (k < nA) {
            const int ff = f & 2047, row = 32 * k + (ff >> 6);
            if (row < dk) src = ((f >> 11) ? QT : WT) + (bhc * dk + row) * 64 + (ff & 63);
        } else if (k == nA) {
            src = AT + bhc * 4096 + f;
        } else {
            const int row = 64 * (k - nA - 1) + (f >> 6);
            if (row < dk) src = KT + (bhc * dk + row) * 64 + (f & 63);
        }
        st[m] = src ? *(const float4*)src : make_float4(0.f, 0.f, 0.f, 0.f);
    }
}

template <int RT> struct gdr2_vec;                 // RT consecutive floats from shared memory
template <> struct gdr2_vec<2> {
    static __device__ __forceinline__ void get(float (&x)[2], const float* p) { float2 v = *(const float2*)p; x[0] = v.x; x[1] = v.y; }
};
template <> struct gdr2_vec<4> {
    static __device__ __forceinline__ void get(float (&x)[4], const float* p) {
        float4 v = *(const float4*)p; x[0] = v.x; x[1] = v.y; x[2] = v.z; x[3] = v.w;
    }
};

// The scan across chunks for a slice of BV state columns (see gdr_prefill_kernel2). Thread (tg, jp), jp = tid % (BV/2):
// o/u rows RT*tg .. RT*tg+RT-1 and columns 2jp, 2jp+1; state rows il + G*m of each 64-row Kd tile (G = 256/(BV/2)).
// Training (gdr_grad_forward_kernel2) also passes ckpt [B, H, NC, Dk, Dv] for the state entering every chunk and
// u_out [B*T, H*Dv] for u; inference passes null for both.
template <int BV>
__device__ __forceinline__ void gdr2_scan(float* buf, float* Ss, float* us, float* __restrict__ state, float* __restrict__ o,
                                          const float* __restrict__ work, int tokens, int heads, int dk, int dv,
                                          float* __restrict__ ckpt = nullptr, float* __restrict__ u_out = nullptr) {
    constexpr int HALF = BV / 2, G = GDR2_THREADS / HALF, RT = GDR2_C / G, SROWS = 4096 / BV;
    const int tid = threadIdx.x, h = blockIdx.y, bi = blockIdx.z, jbase = blockIdx.x * BV;
    const int nc = (tokens + GDR2_C - 1) / GDR2_C;
    const long long n = (long long)gridDim.z * heads * nc;
    const float* WT = work;
    const float* QT = WT + n * dk * 64;
    const float* KT = QT + n * dk * 64;
    const float* AT = KT + n * dk * 64;
    const float* UT = AT + n * 4096;
    const float* dec = UT + n * dv * 64;
    float* S = state + ((long long)bi * heads + h) * dk * dv;
    for (int e = tid; e < SROWS * BV; e += GDR2_THREADS) {
        const int i = e / BV, j = jbase + e % BV;
        Ss[e] = (i < dk && j < dv) ? S[(long long)i * dv + j] : 0.f;
    }
    const int jp = tid % HALF, tg = tid / HALF;
    const int nA = (dk + 31) / 32, nK = (dk + 63) / 64, nt = nA + 1 + nK;
    const long long bh = (long long)bi * heads + h;
    float4 st[4];
    gdr2_load_tile(st, WT, QT, AT, KT, bh * nc, 0, nA, dk, tid);
    for (int c = 0; c < nc; c++) {
        const long long bhc = bh * nc + c;
        const int len = min(GDR2_C, tokens - c * GDR2_C);
        float uv[RT][2], p[RT][2], r[RT][2];
#pragma unroll
        for (int a = 0; a < RT; a++)
#pragma unroll
            for (int b = 0; b < 2; b++) {
                const int j = jbase + 2 * jp + b;
                uv[a][b] = j < dv ? UT[(bhc * dv + j) * 64 + RT * tg + a] : 0.f;
                p[a][b] = 0.f;
                r[a][b] = 0.f;
            }
        const float decay = dec[bhc];
        for (int k = 0; k < nt; k++) {
            __syncthreads(); // every thread is done with the previous tile
#pragma unroll
            for (int m = 0; m < 4; m++) *(float4*)&buf[(tid + GDR2_THREADS * m) * 4] = st[m];
            __syncthreads();
            if (k + 1 < nt) gdr2_load_tile(st, WT, QT, AT, KT, bhc, k + 1, nA, dk, tid);
            else if (c + 1 < nc) gdr2_load_tile(st, WT, QT, AT, KT, bhc + 1, 0, nA, dk, tid);
            if (ckpt && k == 0) { // Ss is the chunk's start state until the Kd tiles (k > nA) update it
                float* C = ckpt + bhc * dk * dv;
                for (int e = tid; e < SROWS * BV; e += GDR2_THREADS) {
                    const int i = e / BV, j = jbase + e % BV;
                    if (i < dk && j < dv) C[(long long)i * dv + j] = Ss[e];
                }
            }
            if (k < nA) {
                // P = W S0, R = Qd S0 over rows 32k..32k+31 of the state
                const float* Sr = Ss + 32 * k * BV + 2 * jp;
#pragma unroll 8
                for (int ii = 0; ii < 32; ii++) {
                    float w[RT], q[RT];
                    gdr2_vec<RT>::get(w, &buf[ii * 64 + RT * tg]);
                    gdr2_vec<RT>::get(q, &buf[2048 + ii * 64 + RT * tg]);
                    const float2 sv = *(const float2*)&Sr[ii * BV];
#pragma unroll
                    for (int a = 0; a < RT; a++) {
                        p[a][0] += w[a] * sv.x; p[a][1] += w[a] * sv.y;
                        r[a][0] += q[a] * sv.x; r[a][1] += q[a] * sv.y;
                    }
                }
                if (k == nA - 1) { // u = U - W S0, visible to all after the next tile's barriers
#pragma unroll
                    for (int a = 0; a < RT; a++) {
                        *(float2*)&us[(RT * tg + a) * BV + 2 * jp] = make_float2(uv[a][0] - p[a][0], uv[a][1] - p[a][1]);
                        const int t = RT * tg + a;
                        if (u_out && t < len) {
                            float* urow = u_out + ((long long)bi * tokens + c * GDR2_C + t) * heads * dv + (long long)h * dv;
#pragma unroll
                            for (int b = 0; b < 2; b++) {
                                const int j = jbase + 2 * jp + b;
                                if (j < dv) urow[j] = uv[a][b] - p[a][b];
                            }
                        }
                    }
                }
            } else if (k == nA) {
                // o = Qd S0 + Aqk u (Aqk[t][s] = 0 for s > t)
                const int smax = RT * tg + RT;
                for (int s = 0; s < smax; s++) {
                    float a4[RT];
                    gdr2_vec<RT>::get(a4, &buf[s * 64 + RT * tg]);
                    const float2 u = *(const float2*)&us[s * BV + 2 * jp];
#pragma unroll
                    for (int a = 0; a < RT; a++) { r[a][0] += a4[a] * u.x; r[a][1] += a4[a] * u.y; }
                }
#pragma unroll
                for (int a = 0; a < RT; a++) {
                    const int t = RT * tg + a;
                    if (t < len) {
                        float* orow = o + ((long long)bi * tokens + c * GDR2_C + t) * heads * dv + (long long)h * dv;
#pragma unroll
                        for (int b = 0; b < 2; b++) {
                            const int j = jbase + 2 * jp + b;
                            if (j < dv) orow[j] = r[a][b];
                        }
                    }
                }
            } else {
                // S = dec S0 + Kd^T u on rows i0 + tg + G m (rows past Dk stay zero: their tile rows are zero)
                const int i0 = 64 * (k - nA - 1);
                float acc[RT][2];
#pragma unroll
                for (int m = 0; m < RT; m++) {
                    const float2 sv = *(const float2*)&Ss[(i0 + tg + G * m) * BV + 2 * jp];
                    acc[m][0] = decay * sv.x;
                    acc[m][1] = decay * sv.y;
                }
#pragma unroll 2
                for (int t = 0; t < 64; t += 4) {
                    float2 u[4];
#pragma unroll
                    for (int q = 0; q < 4; q++) u[q] = *(const float2*)&us[(t + q) * BV + 2 * jp];
#pragma unroll
                    for (int m = 0; m < RT; m++) {
                        const float4 kv = *(const float4*)&buf[(tg + G * m) * 64 + t];
                        acc[m][0] += kv.x * u[0].x + kv.y * u[1].x + kv.z * u[2].x + kv.w * u[3].x;
                        acc[m][1] += kv.x * u[0].y + kv.y * u[1].y + kv.z * u[2].y + kv.w * u[3].y;
                    }
                }
#pragma unroll
                for (int m = 0; m < RT; m++)
                    *(float2*)&Ss[(i0 + tg + G * m) * BV + 2 * jp] = make_float2(acc[m][0], acc[m][1]);
            }
        }
    }
    __syncthreads();
    for (int e = tid; e < SROWS * BV; e += GDR2_THREADS) {
        const int i = e / BV, j = jbase + e % BV;
        if (i < dk && j < dv) S[(long long)i * dv + j] = Ss[e];
    }
}

// one block per SM at most (170 registers): capped at 128 for two, this kernel spills and ran 0.78 ms instead of
// 0.66 ms at B 1, T 4096 on an H200 (gated_delta_rule_test.cu), where 96 blocks do not fill the SMs anyway; the
// training forward (gdr_grad_forward_kernel2, B 8) takes the cap
extern "C" __global__ void __launch_bounds__(GDR2_THREADS)
gdr_prefill_kernel2(float* __restrict__ state, float* __restrict__ o, const float* __restrict__ work,
                    int tokens, int heads, int dk, int dv) {
    __shared__ __align__(16) float smem[4096 + 4096 + GDR2_C * 32]; // tile, state slice [4096/BV, BV], u [64, BV]
    if (GDR2_BV(dk) == 32) gdr2_scan<32>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv);
    else gdr2_scan<16>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv);
}

// gdr_prefill_kernel2 capped at two blocks per SM (128 registers, a few spilled), for grids of more than one block per
// SM, where the second block's latency hiding outweighs the spills: at B 8 x 2048 x 12 heads (768 blocks) 1.66 ms
// against 1.98 ms uncapped on an H200 (gated_delta_rule_test.cu, bench train); the same output bits (checked there)
extern "C" __global__ void __launch_bounds__(GDR2_THREADS, 2)
gdr_prefill_wide_kernel2(float* __restrict__ state, float* __restrict__ o, const float* __restrict__ work,
                         int tokens, int heads, int dk, int dv) {
    __shared__ __align__(16) float smem[4096 + 4096 + GDR2_C * 32];
    if (GDR2_BV(dk) == 32) gdr2_scan<32>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv);
    else gdr2_scan<16>(smem, smem + 4096, smem + 8192, state, o, work, tokens, heads, dk, dv);
}

#include "gated_delta_scan3.cuh" // version 3 of the scan across chunks, on tensor cores
