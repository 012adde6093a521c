/*
mamba2.cu: the Mamba2 mixer (BLOCKS.md §6) on the GPU, between the two bf16 GEMMs (in_proj, out_proj)
that io.jetrt.blocks.mamba2.Mamba2Cuda runs through GpuOps.linear.

Java reference: blocks-mamba2/src/main/java/io/jetrt/blocks/mamba2/Mamba2Reference.java (the literal
per-token recurrence) and Mamba2Cpu.java (the same passes over a whole chunk: conv, scan, gate + norm).
The Java launcher is Mamba2Cuda, which calls each kernel by this file's name.
Tests: blocks-mamba2/src/test/java/io/jetrt/blocks/mamba2/Mamba2CudaTest.java (the golden file, CUDA vs
CPU through the conformance kit at T = 1, 63, 65, 500 and batch 1 and 3 with outputs poisoned with NaN,
and a batch-3 decode with a different position per sequence).

Shapes (row-major; M = B·T rows, token t of sequence b is row b·T + t):
  zx   [M, R]      in_proj output [z d_inner | xBC_raw conv_dim | dt_raw H], R = d_inner + conv_dim + H
  xbc  [M, cd]     silu(conv(xBC_raw) + bias): [x d_inner | B G·N | C G·N], cd = conv_dim
  ys   [M, di]     the scan output, then gated and normed in place (the input of out_proj)
  conv_state [B, cd, W]     the last W raw xBC inputs per channel, oldest first (ShortConvState's layout)
  ssm_state  [B, H, P, N]   per head the [P, N] state S; head h reads B/C group h / (H/G)
The state layouts are exactly the CPU ones (Mamba2Provider.stateLayout), so a state hands over between
backends.

Kernels (version 1 each: the simplest form we are sure of; later versions keep their number):
  mamba2_add_bias_kernel1     y[r, j] += bias[j] over [rows, n]; the optional in_proj/out_proj biases.
                              Grid-stride, any grid.
  mamba2_conv_kernel1         prefill conv: xbc[r, c] = silu(Σ_k in(t−W+1+k, c)·w[c, k] + bias[c]), where
                              in(τ, c) is zx's xBC column c of token τ, or conv_state slot W+τ for τ < 0
                              (Mamba2Cpu.conv, the same summation order k = 0..W−1, bias last).
                              Grid (M, ceil(cd/blockDim.x)), one thread per (row, channel). Reads the state
                              only; mamba2_conv_state_kernel1 updates it afterwards.
  mamba2_conv_state_kernel1   prefill conv state update: new slot s = raw token T−W+s, or old slot s+T
                              when T < W−s (ascending s reads each old slot before it is overwritten:
                              ShortConvState.convolveChunk). Grid (ceil(cd/blockDim.x), B).
  mamba2_conv_decode_kernel1  T = 1 (decode, and a prefill of one token): shift the W slots left, write the
                              new raw input into slot W−1 and convolve, in one pass that reads and writes
                              the conv state once (ShortConvState.push + convolve, then silu).
                              Grid (ceil(cd/blockDim.x), B).
  mamba2_scan_kernel1         the selective scan, sequential over T (Mamba2Reference.scan): per token
                              dt = softplus(dt_raw + dt_bias) (x itself when > 20), decay = exp(dt·A),
                              S[p, n] = decay·S[p, n] + (dt·x[p])·B[n], y[p] = Σ_n S[p, n]·C[n] + D[p]·x[p].
                              One warp per state row p of one head of one sequence; lane l holds
                              S[p, l + 32j] in registers for j < ceil(N/32) (N ≤ 32·SCAN_MAX_J), the sum
                              over n is a warp shuffle reduction. Each state element is read once before
                              the loop and written once after it. Grid (ceil(P/warps), H, B), block
                              32·warps threads; at the 2B shape (H 48, P 64) and 4 warps per block a decode
                              of batch 1 launches 768 blocks.
  mamba2_scan_kernel2         the same maths as kernel 1, same grid and arguments; per chunk of 16 tokens the
                              block first stages dt, decay, B, C and its warps' x in shared memory (coalesced
                              loads, 33 KB static), then each warp runs its 16 steps from there. Used for
                              2 ≤ T < 64. 2B shape, B 1, T 4096 on an H100: 3.15 ms against kernel 1's 5.06 ms
                              (src/test/cuda/mamba2_check.py, which also checks both against NumPy).
  version 3 of the scan       chunked (SSD), three kernels: mamba2_chunk_state_kernel3, mamba2_state_pass_kernel3,
                              mamba2_chunk_out_kernel3 (their comment below states the maths). Used for T ≥ 64;
                              checked against kernel 1 and a float64 twin by src/test/cuda/mamba2_ssd_test.cu.
  mamba2_gate_norm_kernel1    y ← y·silu(z), then (rmsnorm) y ← y / sqrt(mean_group(y²) + eps)·w over each
                              group of d_inner/G channels (GatedRmsNorm.apply: gate first). In place on ys.
                              Grid (M, G), one block per (row, group); blockDim.x a multiple of 32.
  mamba2_scan_norm_kernel1    decode: kernel 1's step and the gate + norm in one launch, the norm by the last block
                              of each (sequence, group) to take a ticket (its comment below).

Training (Mamba2CudaTrainer): mamba2_grad.cuh, with blocks-common's causal_conv.cuh, causal_conv_grad.cuh and
grad_sum_rows.cuh.
*/
#include <math_constants.h>
#include "common.cuh"   // silu_f, softplus_f, warp_sum, block_sum
#include "causal_conv.cuh"       // training: the short conv from an empty cache (causal_conv_kernel1)
#include "causal_conv_grad.cuh"  // training: its backward
#include "grad_sum_rows.cuh"     // training: the weights' sums over rows
#include "mamba2_grad.cuh"       // training: the scan, gate and norm backward
#include "tile64.cuh"             // the chunked scan (version 3) on tensor cores

// Registers per lane for a state row: N ≤ 32·SCAN_MAX_J. Mamba2Cuda refuses larger state sizes.
#define SCAN_MAX_J 8


extern "C" __global__ void mamba2_add_bias_kernel1(float* __restrict__ y, const float* __restrict__ bias,
                                                   long long rows, int n) {
    long long total = rows * n;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        y[i] += bias[i % n];
    }
}

// zx [B·T, R] (xBC_raw at column di + c), convState [B, cd, W] (read only here), w [cd, W], bias [cd]
// (zeros when the block has no conv bias), xbc [B·T, cd].
extern "C" __global__ void mamba2_conv_kernel1(float* __restrict__ xbc, const float* __restrict__ zx,
                                               const float* __restrict__ convState, const float* __restrict__ w,
                                               const float* __restrict__ bias, int T, int cd, int W, int R, int di) {
    int row = blockIdx.x;                              // b·T + t
    int c = blockIdx.y * blockDim.x + threadIdx.x;
    if (c >= cd) return;
    int b = row / T, t = row - b * T;
    const float* st = convState + ((size_t)b * cd + c) * W;
    const float* wc = w + (size_t)c * W;
    float acc = 0.0f;
    for (int k = 0; k < W; k++) {
        int tau = t - (W - 1) + k;                     // the token tap k reads; < 0 lies in the state at slot W + tau
        float v = tau >= 0 ? zx[((size_t)b * T + tau) * R + di + c] : st[W + tau];
        acc += v * wc[k];
    }
    acc += bias[c];
    xbc[(size_t)row * cd + c] = silu_f(acc);
}

// After mamba2_conv_kernel1 (same stream): convState [B, cd, W] ← the last W raw inputs of the chunk.
extern "C" __global__ void mamba2_conv_state_kernel1(float* __restrict__ convState, const float* __restrict__ zx,
                                                     int T, int cd, int W, int R, int di) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int b = blockIdx.y;
    if (c >= cd) return;
    float* st = convState + ((size_t)b * cd + c) * W;
    for (int s = 0; s < W; s++) {
        int tau = T - W + s;
        st[s] = tau >= 0 ? zx[((size_t)b * T + tau) * R + di + c] : st[s + T];   // s + T > s: not yet overwritten
    }
}

// One token per sequence: zx [B, R], convState [B, cd, W] updated in place, xbc [B, cd].
extern "C" __global__ void mamba2_conv_decode_kernel1(float* __restrict__ xbc, float* __restrict__ convState,
                                                      const float* __restrict__ zx, const float* __restrict__ w,
                                                      const float* __restrict__ bias, int cd, int W, int R, int di) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int b = blockIdx.y;
    if (c >= cd) return;
    float* st = convState + ((size_t)b * cd + c) * W;
    const float* wc = w + (size_t)c * W;
    float acc = 0.0f;
    for (int k = 0; k < W - 1; k++) {
        float v = st[k + 1];
        st[k] = v;
        acc += v * wc[k];
    }
    float v = zx[(size_t)b * R + di + c];
    st[W - 1] = v;
    acc += v * wc[W - 1];
    acc += bias[c];
    xbc[(size_t)b * cd + c] = silu_f(acc);
}

// One token of kernel 1's recurrence for a warp's state row, held in registers s (lane l: n = l + 32j): the decay and
// the input dx·B (B at xr[bOff + n]), then y = S·C + D·x (C at xr[cOff + n]), returned to every lane.
__device__ __forceinline__ float mamba2_token(float (&s)[SCAN_MAX_J], const float* __restrict__ xr, float decay, float dx,
                                              float dskip_x, int bOff, int cOff, int N, int nj, int lane) {
    float acc = 0.0f;
#pragma unroll
    for (int j = 0; j < SCAN_MAX_J; j++) {
        int n = lane + 32 * j;
        if (j < nj && n < N) {
            float v = decay * s[j] + dx * xr[bOff + n];
            s[j] = v;
            acc += v * xr[cOff + n];
        }
    }
    return warp_sum(acc) + dskip_x;
}

// ssm [B, H, P, N] in place; ys [B·T, di]; zx [B·T, R] (dt_raw at column di + cd + h); xbc [B·T, cd];
// dtBias [H], A [H] (= −exp(A_log)), D [di] (per channel; a per-head D repeated over its P channels).
extern "C" __global__ void mamba2_scan_kernel1(float* __restrict__ ssm, float* __restrict__ ys,
                                               const float* __restrict__ zx, const float* __restrict__ xbc,
                                               const float* __restrict__ dtBias, const float* __restrict__ A,
                                               const float* __restrict__ D, int T, int H, int P, int N, int G,
                                               int di, int cd, int R) {
    int lane = threadIdx.x & 31;
    int p = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int h = blockIdx.y, b = blockIdx.z;
    if (p >= P) return;                                // the whole warp leaves: the shuffles below stay full-warp
    int g = h / (H / G);
    int nj = (N + 31) >> 5;
    float* st = ssm + (((size_t)b * H + h) * P + p) * N;
    float s[SCAN_MAX_J];
#pragma unroll
    for (int j = 0; j < SCAN_MAX_J; j++) {
        int n = lane + 32 * j;
        s[j] = (j < nj && n < N) ? st[n] : 0.0f;
    }
    float bias = dtBias[h], a = A[h], dskip = D[h * P + p];
    int ch = h * P + p, bOff = di + g * N, cOff = di + G * N + g * N;
    for (int t = 0; t < T; t++) {
        size_t row = (size_t)b * T + t;
        const float* xr = xbc + row * cd;
        float dt = softplus_f(zx[row * R + di + cd + h] + bias);
        float decay = expf(dt * a);
        float xv = xr[ch];
        float y = mamba2_token(s, xr, decay, dt * xv, dskip * xv, bOff, cOff, N, nj, lane);
        if (lane == 0) ys[row * di + ch] = y;
    }
#pragma unroll
    for (int j = 0; j < SCAN_MAX_J; j++) {
        int n = lane + 32 * j;
        if (j < nj && n < N) st[n] = s[j];
    }
}

// Version 2 of the scan: the same per-token maths and state registers as version 1, but the block first
// stages SCAN_TC tokens of dt, decay, B, C and its warps' x into shared memory with coalesced loads, so the
// sequential loop waits on shared memory instead of a global load per token. Every warp joins the barriers
// (a warp past P only helps load). Same arguments and grid as version 1; N ≤ 32·SCAN_MAX_J.
#define SCAN_TC 16
#define SCAN_MAX_WARPS 4
extern "C" __global__ void mamba2_scan_kernel2(float* __restrict__ ssm, float* __restrict__ ys,
                                               const float* __restrict__ zx, const float* __restrict__ xbc,
                                               const float* __restrict__ dtBias, const float* __restrict__ A,
                                               const float* __restrict__ D, int T, int H, int P, int N, int G,
                                               int di, int cd, int R) {
    __shared__ float sB[SCAN_TC][32 * SCAN_MAX_J], sC[SCAN_TC][32 * SCAN_MAX_J];
    __shared__ float sDt[SCAN_TC], sDecay[SCAN_TC], sX[SCAN_TC][SCAN_MAX_WARPS];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;   // warps ≤ SCAN_MAX_WARPS
    int p0 = blockIdx.x * warps, p = p0 + warp;
    int h = blockIdx.y, b = blockIdx.z;
    bool active = p < P;                               // warp-uniform
    int g = h / (H / G);
    int nj = (N + 31) >> 5;
    float* st = ssm + (((size_t)b * H + h) * P + (active ? p : 0)) * N;
    float s[SCAN_MAX_J];
#pragma unroll
    for (int j = 0; j < SCAN_MAX_J; j++) {
        int n = lane + 32 * j;
        s[j] = (active && j < nj && n < N) ? st[n] : 0.0f;
    }
    float bias = dtBias[h], a = A[h], dskip = active ? D[h * P + p] : 0.0f;
    int bOff = di + g * N, cOff = di + G * N + g * N;
    for (int t0 = 0; t0 < T; t0 += SCAN_TC) {
        int tc = min(SCAN_TC, T - t0);
        __syncthreads();                               // the previous chunk is consumed
        for (int i = threadIdx.x; i < tc * N; i += blockDim.x) {
            int tt = i / N, n = i - tt * N;
            const float* xr = xbc + ((size_t)b * T + t0 + tt) * cd;
            sB[tt][n] = xr[bOff + n];
            sC[tt][n] = xr[cOff + n];
        }
        for (int i = threadIdx.x; i < tc * warps; i += blockDim.x) {
            int tt = i / warps, w = i - tt * warps;
            sX[tt][w] = p0 + w < P ? xbc[((size_t)b * T + t0 + tt) * cd + h * P + p0 + w] : 0.0f;
        }
        if (threadIdx.x < tc) {
            float dt = softplus_f(zx[((size_t)b * T + t0 + threadIdx.x) * R + di + cd + h] + bias);
            sDt[threadIdx.x] = dt;
            sDecay[threadIdx.x] = expf(dt * a);
        }
        __syncthreads();
        if (!active) continue;
        for (int tt = 0; tt < tc; tt++) {
            float xv = sX[tt][warp];
            float dx = sDt[tt] * xv, decay = sDecay[tt];
            float acc = 0.0f;
#pragma unroll
            for (int j = 0; j < SCAN_MAX_J; j++) {
                int n = lane + 32 * j;
                if (j < nj && n < N) {
                    float v = decay * s[j] + dx * sB[tt][n];
                    s[j] = v;
                    acc += v * sC[tt][n];
                }
            }
            acc = warp_sum(acc);
            if (lane == 0) ys[((size_t)b * T + t0 + tt) * di + h * P + p] = acc + dskip * xv;
        }
    }
    if (!active) return;
#pragma unroll
    for (int j = 0; j < SCAN_MAX_J; j++) {
        int n = lane + 32 * j;
        if (j < nj && n < N) st[n] = s[j];
    }
}

/*
Version 3 of the scan: chunked (SSD: mamba_ssm's chunk_state, state_passing and chunk_scan), three kernels over chunks of
64 tokens, the products on tensor cores in 3xTF32 (tile64.cuh: fp32-level products, fp32 accumulation). For sequence b,
head h (B/C group g = h / (H/G)) and chunk c, with dt_s = softplus(dt_raw_s + dt_bias), a_s = dt_s A and
acs_t = a_0 + ... + a_t summed inside the chunk (rows past T have dt = a = 0 and x = 0):
  L_c[p][n] = sum_s e^(acs_63 - acs_s) dt_s x_s[p] B_s[n]                  (the chunk's own state)
  S_c = e^(acs_63) S_(c-1) + L_c                                           (S_(-1): the incoming ssm state)
  y_t[p] = sum_(s<=t) (C_t.B_s) e^(acs_t - acs_s) dt_s x_s[p]  +  e^(acs_t) sum_n C_t[n] S_(c-1)[p][n]  +  D[p] x_t[p]
Unrolling kernel 1's per-token recurrence over a chunk gives exactly these sums. Every exponent is <= 0, so no factor
overflows however strong the decay. The kernels share kernel 1's arguments where they have them.
  mamba2_chunk_state_kernel3  L_c into states [B, H, NC, P, N] and e^(acs_63) into dec [B, H, NC], per 64 state rows by
                              128 state columns (tile64_mma2: x^T read once for both column tiles). Grid (NC, H, B).
  mamba2_state_pass_kernel3   per state element, in order over the chunks: states[c] <- S_(c-1), the state entering
                              chunk c, in place of L_c; ssm <- S_(NC-1). Grid (ceil(P N / 256), H, B), block 256.
  mamba2_chunk_out_kernel3    y of the chunk: the scores C B^T (masked, decayed, times dt_s) once into shared memory,
                              then per 64 state rows C S^T scaled by e^(acs_t) (for the first 64 in the same pass as
                              the scores: both read C), plus scores times x, plus D x.
                              Grid (NC, H, B).
The two chunk kernels: block 256, MAMBA2_SSD_SMEM_FLOATS floats of dynamic shared memory (58.9 KB); they trap on less.
*/
#define MAMBA2_SSD_C 64
#define MAMBA2_SSD_SMEM_FLOATS (64 * TILE64_TS + TILE64_STAGES * TILE64_STAGE_FLOATS)

__device__ __forceinline__ void mamba2_ssd_check_smem() {
    unsigned bytes;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(bytes));
    if (bytes < MAMBA2_SSD_SMEM_FLOATS * sizeof(float)) __trap();
}

// dts[s] = dt_s and acs[t] = the inclusive prefix sum of dt_s A over the chunk's 64 rows, 0 past len; dt_raw of row s at
// dt_raw[s * R]. The sum is in double: a strong decay (dt 25, A -16) takes acs to -25,000 in a chunk, where float's
// rounding of acs_t - acs_s would be 2e-3, a relative error of the factor e^(acs_t - acs_s) 30 times kernel 1's (one
// rounding per token's decay); in double it is 1e-11. One warp scans, two rows per lane. Synchronises: afterwards every
// thread may read both.
__device__ __forceinline__ void mamba2_ssd_gates(double* acs, float* dts, const float* __restrict__ dt_raw, int R, int len,
                                                 float bias, float a) {
    const int tid = threadIdx.x;
    if (tid < 32) {
        const int ta = 2 * tid, tb = ta + 1;
        const float da = ta < len ? softplus_f(dt_raw[(size_t)ta * R] + bias) : 0.f;
        const float db = tb < len ? softplus_f(dt_raw[(size_t)tb * R] + bias) : 0.f;
        const double va = (double)(da * a), vb = (double)(db * a); // each token's log decay, as kernel 1 forms it
        double incl = va + vb;
        for (int off = 1; off < 32; off <<= 1) {
            const double y = __shfl_up_sync(0xffffffffu, incl, off);
            if (tid >= off) incl += y;
        }
        acs[ta] = incl - vb;
        acs[tb] = incl;
        dts[ta] = da;
        dts[tb] = db;
    }
    __syncthreads();
}

// states [B, H, NC, P, N], dec [B, H, NC]; zx, xbc, dtBias, A as for mamba2_scan_kernel1.
extern "C" __global__ void __launch_bounds__(TILE64_THREADS, 2)
mamba2_chunk_state_kernel3(float* __restrict__ states, float* __restrict__ dec, const float* __restrict__ zx,
                           const float* __restrict__ xbc, const float* __restrict__ dtBias, const float* __restrict__ A,
                           int T, int H, int P, int N, int G, int di, int cd, int R) {
    extern __shared__ __align__(16) float smem[];
    mamba2_ssd_check_smem();
    float* stages = smem + 64 * TILE64_TS; // the out kernel's layout; this kernel leaves the score tile unused
    __shared__ double acs[64];
    __shared__ float dts[64], wgt[64];
    const int tid = threadIdx.x, c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, nc = gridDim.x, g = h / (H / G);
    const int t0 = c * MAMBA2_SSD_C, len = min(MAMBA2_SSD_C, T - t0);
    const long long row0 = (long long)b * T + t0, bhc = ((long long)b * H + h) * nc + c;
    mamba2_ssd_gates(acs, dts, zx + row0 * R + di + cd + h, R, len, dtBias[h], A[h]);
    if (tid < 64) wgt[tid] = expf((float)(acs[63] - acs[tid])) * dts[tid];
    if (tid == 0) dec[bhc] = expf((float)acs[63]);
    __syncthreads();
    const Tile64View X{xbc + row0 * cd + h * P, cd, 1, len, P};       // (s, p)
    const float* Bs = xbc + row0 * cd + di + g * N;                  // B_s[n] at Bs[s * cd + n]
    float* L = states + bhc * P * N;
    for (int p0 = 0; p0 < P; p0 += 64) {
        for (int n0 = 0; n0 < N; n0 += 128) {
            float acc0[4][4], acc1[4][4];
            tile64_zero(acc0);
            tile64_zero(acc1);
            // B operands (s, n): the decay weight of row s times B_s, zero past the chunk and past N
            auto wb0 = [&](int s, int n) { return s < len && n0 + n < N ? wgt[s] * Bs[(size_t)s * cd + n0 + n] : 0.f; };
            auto wb1 = [&](int s, int n) { return s < len && n0 + 64 + n < N ? wgt[s] * Bs[(size_t)s * cd + n0 + 64 + n] : 0.f; };
            tile64_mma2<false, false>(acc0, acc1, 64, X.cols(p0).t(), wb0, wb1, stages);
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int q = 0; q < 4; q++) {
                    const int p = p0 + tile64_row(q), n = n0 + tile64_col(i, q);
                    if (p < P && n < N) L[(long long)p * N + n] = acc0[i][q];
                    if (p < P && n + 64 < N) L[(long long)p * N + n + 64] = acc1[i][q];
                }
        }
    }
}

// ssm [B, H, P, N] in place; states, dec from mamba2_chunk_state_kernel3 (states overwritten with the entering states).
extern "C" __global__ void mamba2_state_pass_kernel3(float* __restrict__ ssm, float* __restrict__ states,
                                                     const float* __restrict__ dec, int NC, int H, int PN) {
    const int e = blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= PN) return;
    const long long bh = (long long)blockIdx.z * H + blockIdx.y;
    float s = ssm[bh * PN + e];
    float* st = states + bh * NC * PN + e;
    const float* d = dec + bh * NC;
    int c = 0;
    for (; c + 8 <= NC; c += 8) { // eight chunks' loads in flight before the dependent chain
        float l[8];
#pragma unroll
        for (int i = 0; i < 8; i++) l[i] = st[(long long)(c + i) * PN];
#pragma unroll
        for (int i = 0; i < 8; i++) {
            st[(long long)(c + i) * PN] = s;
            s = d[c + i] * s + l[i];
        }
    }
    for (; c < NC; c++) {
        const float l = st[(long long)c * PN];
        st[(long long)c * PN] = s;
        s = d[c] * s + l;
    }
    ssm[bh * PN + e] = s;
}

// ys [B·T, di]; states: the entering states of mamba2_state_pass_kernel3; the rest as for mamba2_scan_kernel1.
extern "C" __global__ void __launch_bounds__(TILE64_THREADS, 2)
mamba2_chunk_out_kernel3(float* __restrict__ ys, const float* __restrict__ states, const float* __restrict__ zx,
                         const float* __restrict__ xbc, const float* __restrict__ dtBias, const float* __restrict__ A,
                         const float* __restrict__ D, int T, int H, int P, int N, int G, int di, int cd, int R) {
    extern __shared__ __align__(16) float smem[];
    mamba2_ssd_check_smem();
    float* Ct = smem;                      // the masked scores [t][s]
    float* stages = smem + 64 * TILE64_TS;
    __shared__ double acs[64];
    __shared__ float dts[64], eac[64];
    const int tid = threadIdx.x, c = blockIdx.x, h = blockIdx.y, b = blockIdx.z, nc = gridDim.x, g = h / (H / G);
    const int t0 = c * MAMBA2_SSD_C, len = min(MAMBA2_SSD_C, T - t0);
    const long long row0 = (long long)b * T + t0, bhc = ((long long)b * H + h) * nc + c;
    mamba2_ssd_gates(acs, dts, zx + row0 * R + di + cd + h, R, len, dtBias[h], A[h]);
    if (tid < 64) eac[tid] = expf((float)acs[tid]);
    const Tile64View X{xbc + row0 * cd + h * P, cd, 1, len, P};               // (s, p)
    const Tile64View Bv{xbc + row0 * cd + di + g * N, cd, 1, len, N};         // (s, n)
    const Tile64View Cv{xbc + row0 * cd + di + G * N + g * N, cd, 1, len, N}; // (t, n)
    const float* S = states + bhc * P * N;
    auto entering = [&](int p0) { return Tile64View{S + (long long)p0 * N, 1, N, N, P - p0}; }; // (n, p): S[p][n]
    // C_t.B_s and C_t.S[p] for the first 64 state rows share the A operand C: one pass stages it for both
    float acc[4][4], yacc[4][4];
    tile64_zero(acc);
    tile64_zero(yacc);
    tile64_mma2<true, true>(acc, yacc, N, Cv, Bv.t(), entering(0), stages); // synchronises: acs, dts, eac are visible
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int t = tile64_row(q), s = tile64_col(i, q);
            acc[i][q] = s <= t ? acc[i][q] * expf((float)(acs[t] - acs[s])) * dts[s] : 0.f;
        }
    tile64_store(Ct, acc);
    for (int p0 = 0; p0 < P; p0 += 64) {
        if (p0 > 0) {
            tile64_zero(yacc);
            tile64_mma<true, true>(yacc, N, Cv, entering(p0), stages);
        }
        tile64_scale_rows(yacc, eac);
        tile64_mma<true, false>(yacc, 64, [&](int t, int s) { return Ct[t * TILE64_TS + s]; }, X.cols(p0), stages);
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = tile64_row(q), p = p0 + tile64_col(i, q);
                if (t < len && p < P) ys[(row0 + t) * di + h * P + p] = yacc[i][q] + D[h * P + p] * X.at(t, p);
            }
    }
}

/*
mamba2_scan_norm_kernel1: a decode step (T = 1) of kernel 1, then mamba2_gate_norm_kernel1's gate and group RMSNorm in the
same launch. Each warp steps one state row as kernel 1 does (mamba2_token) and gates its y; each block publishes the sum of
squares of its rows and takes a ticket of its (sequence, norm group); the last block of the group sums the partials in block
order (the same bits whichever block is last) and normalises the group's d_inner/G channels. A norm group is H/G whole
heads, so its blocks are (H/G)·gridDim.x. Launch: kernel 1's grid (ceil(P/warps), H, B) and block; ss_part
[B·G, (H/G)·gridDim.x] scratch; tickets [B·G] zero before the launch and again after it (each last block resets its own).
With rmsnorm 0 it only gates. Checked against kernel 1 + mamba2_gate_norm_kernel1 by src/test/cuda/mamba2_ssd_test.cu.
*/
extern "C" __global__ void mamba2_scan_norm_kernel1(float* __restrict__ ssm, float* __restrict__ ys, const float* __restrict__ zx,
                                                    const float* __restrict__ xbc, const float* __restrict__ dtBias,
                                                    const float* __restrict__ A, const float* __restrict__ D,
                                                    const float* __restrict__ normW, float* __restrict__ ss_part,
                                                    unsigned* __restrict__ tickets, int H, int P, int N, int G, int di, int cd,
                                                    int R, int rmsnorm, float eps) {
    __shared__ float red[32];
    __shared__ bool last;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int p = blockIdx.x * warps + warp, h = blockIdx.y, b = blockIdx.z, hg = H / G, g = h / hg;
    if (p < P) { // warp-uniform; a warp past P stays for the barriers
        const int nj = (N + 31) >> 5, ch = h * P + p;
        float* st = ssm + (((size_t)b * H + h) * P + p) * N;
        float s[SCAN_MAX_J];
#pragma unroll
        for (int j = 0; j < SCAN_MAX_J; j++) {
            int n = lane + 32 * j;
            s[j] = (j < nj && n < N) ? st[n] : 0.0f;
        }
        const float* xr = xbc + (size_t)b * cd;
        const float dt = softplus_f(zx[(size_t)b * R + di + cd + h] + dtBias[h]);
        const float xv = xr[ch];
        float y = mamba2_token(s, xr, expf(dt * A[h]), dt * xv, D[ch] * xv, di + g * N, di + G * N + g * N, N, nj, lane);
#pragma unroll
        for (int j = 0; j < SCAN_MAX_J; j++) {
            int n = lane + 32 * j;
            if (j < nj && n < N) st[n] = s[j];
        }
        y *= silu_f(zx[(size_t)b * R + ch]);
        if (lane == 0) {
            ys[(size_t)b * di + ch] = y;
            red[warp] = y * y;
            __threadfence(); // this y is visible to the group's last block before this block's ticket
        }
    } else if (lane == 0) {
        red[warp] = 0.0f;
    }
    if (!rmsnorm) return; // uniform over the grid
    __syncthreads();
    const int per = hg * gridDim.x;
    const long long unit = (long long)b * G + g;
    if (threadIdx.x == 0) {
        float ss = 0.0f;
        for (int w = 0; w < warps; w++) ss += red[w];
        ss_part[unit * per + (h - g * hg) * gridDim.x + blockIdx.x] = ss;
        __threadfence();
        last = atomicAdd(tickets + unit, 1u) == (unsigned)per - 1;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    if (threadIdx.x == 0) tickets[unit] = 0u; // ready for the next launch: every other block of the group took its ticket
    float total = 0.0f;
    for (int i = 0; i < per; i++) total += __ldcg(ss_part + unit * per + i);
    const int gs = hg * P;
    const float inv = 1.0f / sqrtf(total / (float)gs + eps);
    float* y = ys + (size_t)b * di + (size_t)g * gs;
    const float* wg = normW + (size_t)g * gs;
    for (int i = threadIdx.x; i < gs; i += blockDim.x) y[i] = __ldcg(y + i) * inv * wg[i];
}

// ys [M, di] in place, gated by z = zx[:, 0:di] (zx [M, R]); normW [di] (ignored when rmsnorm == 0).
extern "C" __global__ void mamba2_gate_norm_kernel1(float* __restrict__ ys, const float* __restrict__ zx,
                                                    const float* __restrict__ normW, int di, int R, int groupSize,
                                                    int rmsnorm, float eps) {
    // grid (M, G): no early return before block_sum, every thread must reach its barrier
    int row = blockIdx.x, g0 = blockIdx.y * groupSize;
    float* y = ys + (size_t)row * di + g0;
    const float* z = zx + (size_t)row * R + g0;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < groupSize; i += blockDim.x) {
        float v = y[i] * silu_f(z[i]);
        y[i] = v;
        ss += v * v;
    }
    if (!rmsnorm) return;                              // uniform over the block: no thread is left at a barrier
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / (float)groupSize + eps);
    const float* wg = normW + g0;
    for (int i = threadIdx.x; i < groupSize; i += blockDim.x) y[i] = y[i] * inv * wg[i];   // each thread rereads its own writes
}
