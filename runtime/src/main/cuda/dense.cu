/*
dense.cu: the dense parts of a Qwen2-style decoder around the blocks, on the GPU.

The Java reference for each kernel is runtime/src/main/java/io/jetrt/runtime/model/DenseModel.java
(embed, rmsNorm, the silu(gate) * up step of mlpResidual, the residual add) and
runtime/src/main/java/io/jetrt/runtime/engine/Sampler.java (argmax). The Java launchers are in
io.jetrt.runtime.cuda.DenseKernels, one method per kernel, named like the kernel.
Tests: runtime/src/test/java/io/jetrt/runtime/cuda/DenseKernelsTest.java (random inputs, odd sizes,
outputs poisoned with NaN first). Shapes row-major, [rows, D] for activations, [V, D] for the table.

Built by scripts/nvcc-fatbin.sh during the Maven build into one fatbin:
  nvcc -fatbin -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
       -gencode arch=compute_90,code=compute_90 dense.cu

Kernels (version 1 each: the simplest correct form; later versions keep their number):
  noop_kernel          does nothing; the bench measures launch cost with it.
  embedding_kernel1    out[r, :] = float(table[tokens[r], :]); bf16 table -> fp32 rows. One block per
                       row. A token outside [0, V) writes a NaN row (the host validates ids; NaN makes a
                       slip visible instead of reading out of bounds).
  rmsnorm_kernel1      out[r, :] = x[r, :] * (1 / sqrt(mean(x[r, :]^2) + eps)) * float(w[:]); fp32 in,
                       bf16 weight, fp32 accumulate and output. Jet-Nemotron multiplies by the weight in
                       fp32 before any cast, as here. One block per row, warp-shuffle sum.
  swiglu_kernel1       out[i] = silu(gate[i]) * up[i], silu(g) = g * sigmoid(g); grid-stride, fp32.
  residual_add_kernel1 h[i] += x[i], in place; grid-stride, fp32.
  add_rmsnorm_kernel1  h[r, :] += y[r, :]; out[r, :] = rmsnorm(h[r, :]) * w[:], fp32 weight: the residual add of
                       one sub-layer fused with the norm in front of the next (one pass over h instead of two).
  embedding_f32_kernel1 embedding_kernel1 over an fp32 table (a float32 checkpoint keeps its precision).
  swiglu_pair_kernel1  out[r, i] = silu(gu[r, i]) * gu[r, I + i]: gate and up computed by one GEMM over the
                       stacked [2I, D] weight, so each row holds gate then up.
  swiglu_pair_bf16_kernel1 swiglu_pair_kernel1 with a bf16 out, rounded to nearest even as to_bf16_kernel1 (the same
                       bits as the pair of them): the input of the down projection's bf16 GEMM, written at once
                       instead of an fp32 activation and then its bf16 copy (2.6 -> 1.5 GB of traffic per 2B layer
                       at 16K rows).
  advance_kernel1      after an on-device greedy step: history[step * B + b] = tokens[b]; positions[b] += 1; step += 1
                       (one block of >= B threads), so a captured decode step can feed itself.
  feed_kernel1         before a teacher-forced step: tokens[b] = forced[step * B + b], step read on the device
                       (the counter advance_kernel1 bumps), so replays of one captured step walk a device buffer
                       of forced ids [n, B] with no host copy per step. One block of >= B threads.
  gemv_bf16_m<M>_kernel1 y[m, n] = x[m, k] · w[n, k]^T for m <= 8 rows (decode), bf16 w, fp32 x, y and accumulation.
                       The weight streams once with 16-byte loads (8 bf16); each warp takes 4 rows of w, so each
                       x value it loads (fp32, from cache: no bf16 copy of x is made) serves 4 rows. wpr warps
                       share a row group (split k) when n alone would not fill the device; 256 threads per
                       block. Needs
                       k % 8 == 0 and 16-byte aligned w and x rows (the launcher falls back to cuBLAS otherwise).
                       Compiled for 1, 2, 4 and 8 rows of x (gemv_bf16_m<M>_kernel1: 4·M accumulators per thread).
  gemv_f32_m<M>_kernel1 the same with an fp32 weight (k % 4 == 0): cuBLAS sgemm takes ~10 us for a [1, 1536] x
                       [24, 1536]^T product, a few rows streamed by warps take ~2.
  to_bf16_kernel1      out[i] = bf16(x[i]), round to nearest even (the input side of a bf16 GEMM); grid-stride.
  argmax_kernel1       out[r] = index of the largest logits[r, :]; the first one on ties, as Sampler.argmax;
                       NaN is never chosen (Sampler keeps index 0 when logits[0] is NaN: an edge left as is).
                       One block per row; a row of only -inf/NaN gives 0, as Sampler does.

All row kernels need blockDim.x a multiple of 32 (the launchers use 256).
*/
#include <cuda_bf16.h>
#include <math_constants.h>
#include "common.cuh"   // block_sum, warp_sum, silu_f (blocks-common/src/cuda, on nvcc's -I path)

extern "C" __global__ void noop_kernel() {}

__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_float(float v) { return v; }

// One row per block: out[r, :] = table[tokens[r], :] as fp32, or NaN for an id outside [0, vocab).
template <typename T>
__device__ void embedding_body(float* __restrict__ out, const T* __restrict__ table, const int* __restrict__ tokens,
                               int rows, int dim, int vocab) {
    int r = blockIdx.x;
    if (r >= rows) return;
    int id = tokens[r];
    float* o = out + (size_t)r * dim;
    if (id < 0 || id >= vocab) {
        for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = CUDART_NAN_F;
        return;
    }
    const T* t = table + (size_t)id * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = to_float(t[i]);
}

extern "C" __global__ void embedding_kernel1(float* __restrict__ out, const __nv_bfloat16* __restrict__ table,
                                             const int* __restrict__ tokens, int rows, int dim, int vocab) {
    embedding_body(out, table, tokens, rows, dim, vocab);
}

extern "C" __global__ void embedding_f32_kernel1(float* __restrict__ out, const float* __restrict__ table,
                                                 const int* __restrict__ tokens, int rows, int dim, int vocab) {
    embedding_body(out, table, tokens, rows, dim, vocab);
}

extern "C" __global__ void rmsnorm_kernel1(float* __restrict__ out, const float* __restrict__ x,
                                           const __nv_bfloat16* __restrict__ w, int rows, int dim, float eps) {
    // grid == rows: no early return, every thread must reach block_sum's barrier
    const float* xr = x + (size_t)blockIdx.x * dim;
    float* o = out + (size_t)blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / (float)dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = xr[i] * inv * __bfloat162float(w[i]);
}

extern "C" __global__ void swiglu_kernel1(float* __restrict__ out, const float* __restrict__ gate,
                                          const float* __restrict__ up, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float g = gate[i];
        out[i] = silu_f(g) * up[i];
    }
}

extern "C" __global__ void residual_add_kernel1(float* __restrict__ h, const float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        h[i] += x[i];
    }
}

extern "C" __global__ void add_rmsnorm_kernel1(float* __restrict__ h, const float* __restrict__ y, float* __restrict__ out,
                                               const float* __restrict__ w, int rows, int dim, float eps) {
    float* hr = h + (size_t)blockIdx.x * dim;
    const float* yr = y + (size_t)blockIdx.x * dim;
    float* o = out + (size_t)blockIdx.x * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        float v = hr[i] + yr[i];
        hr[i] = v;
        ss += v * v;
    }
    ss = block_sum(ss);
    float inv = 1.0f / sqrtf(ss / (float)dim + eps);
    // each thread reads back only the elements it wrote: no barrier needed for h
    for (int i = threadIdx.x; i < dim; i += blockDim.x) o[i] = hr[i] * inv * w[i];
}

extern "C" __global__ void swiglu_pair_kernel1(float* __restrict__ out, const float* __restrict__ gu, int rows, int inter) {
    // grid (ceil(I / blockDim.x), rows): no division per element (a 64-bit one per element had made this
    // kernel 1.7x slower than its memory traffic)
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= inter) return;
    const float* g = gu + (size_t)blockIdx.y * 2 * inter;
    float v = g[c];
    out[(size_t)blockIdx.y * inter + c] = silu_f(v) * g[inter + c];
}

extern "C" __global__ void swiglu_pair_bf16_kernel1(__nv_bfloat16* __restrict__ out, const float* __restrict__ gu, int rows,
                                                    int inter, int vec4) {
    // grid (ceil(I / (4 blockDim.x)), rows): four columns per thread, with 16-byte loads when vec4 (I % 4 == 0, gu 16-
    // and out 8-byte aligned; 4-byte loads left this kernel at half the copy bandwidth)
    int c = 4 * (blockIdx.x * blockDim.x + threadIdx.x);
    if (c >= inter) return;
    const float* g = gu + (size_t)blockIdx.y * 2 * inter;
    __nv_bfloat16* y = out + (size_t)blockIdx.y * inter;
    if (vec4) {
        const float4 a = *(const float4*)(g + c), b = *(const float4*)(g + inter + c);
        *(__nv_bfloat162*)(y + c) = __floats2bfloat162_rn(silu_f(a.x) * b.x, silu_f(a.y) * b.y);
        *(__nv_bfloat162*)(y + c + 2) = __floats2bfloat162_rn(silu_f(a.z) * b.z, silu_f(a.w) * b.w);
    } else {
        for (int k = c; k < min(c + 4, inter); k++) {
            float v = g[k];
            y[k] = __float2bfloat16_rn(silu_f(v) * g[inter + k]);
        }
    }
}

extern "C" __global__ void advance_kernel1(int* __restrict__ positions, const int* __restrict__ tokens, int* __restrict__ history,
                                           int* __restrict__ step, int batch) {
    int s = *step;
    for (int b = threadIdx.x; b < batch; b += blockDim.x) {
        history[(size_t)s * batch + b] = tokens[b];
        positions[b] += 1;
    }
    __syncthreads();
    if (threadIdx.x == 0) *step = s + 1;
}

extern "C" __global__ void feed_kernel1(int* __restrict__ tokens, const int* __restrict__ forced, const int* __restrict__ step,
                                        int batch) {
    int s = *step;
    for (int b = threadIdx.x; b < batch; b += blockDim.x) tokens[b] = forced[(size_t)s * batch + b];
}

#define GEMV_ROWS 4

// 16 bytes of weights as floats: 8 bf16 or 4 f32.
template <typename W> struct Pack;
template <> struct Pack<__nv_bfloat16> {
    static constexpr int N = 8;
    __device__ static void unpack(const uint4& v, float* f) {
        const __nv_bfloat162* p = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            float2 t = __bfloat1622float2(p[i]);
            f[2 * i] = t.x;
            f[2 * i + 1] = t.y;
        }
    }
};
template <> struct Pack<float> {
    static constexpr int N = 4;
    __device__ static void unpack(const uint4& v, float* f) {
        f[0] = __uint_as_float(v.x); f[1] = __uint_as_float(v.y); f[2] = __uint_as_float(v.z); f[3] = __uint_as_float(v.w);
    }
};

template <typename W, int M>
__device__ void gemv_body(float* __restrict__ y, const float* __restrict__ x, const W* __restrict__ w, int m, int n, int k, int wpr) {
    constexpr int N = Pack<W>::N;
    __shared__ float partial[8][GEMV_ROWS][M];
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    // each warp takes GEMV_ROWS consecutive rows of w, so every x value it loads serves GEMV_ROWS rows
    int row0 = (blockIdx.x * ((blockDim.x >> 5) / wpr) + warp / wpr) * GEMV_ROWS, part = warp % wpr;
    float acc[GEMV_ROWS][M];
#pragma unroll
    for (int j = 0; j < GEMV_ROWS; j++)
#pragma unroll
        for (int r = 0; r < M; r++) acc[j][r] = 0.0f;
    int chunks = k / N, stride = 32 * wpr;
    for (int c = part * 32 + lane; c < chunks && row0 < n; c += stride) {
        uint4 pack[GEMV_ROWS];
#pragma unroll
        for (int j = 0; j < GEMV_ROWS; j++) {
            pack[j] = row0 + j < n ? __ldg(reinterpret_cast<const uint4*>(w + (size_t)(row0 + j) * k) + c) : make_uint4(0, 0, 0, 0);
        }
#pragma unroll
        for (int r = 0; r < M; r++) {
            if (r < m) {
                const float4* xr = reinterpret_cast<const float4*>(x + (size_t)r * k + (size_t)c * N);
                float xv[N];
#pragma unroll
                for (int q = 0; q < N / 4; q++) {
                    float4 a = xr[q];
                    xv[4 * q] = a.x; xv[4 * q + 1] = a.y; xv[4 * q + 2] = a.z; xv[4 * q + 3] = a.w;
                }
#pragma unroll
                for (int j = 0; j < GEMV_ROWS; j++) {
                    float wf[N];
                    Pack<W>::unpack(pack[j], wf);
                    float s = 0.0f;
#pragma unroll
                    for (int i = 0; i < N; i++) s += wf[i] * xv[i];
                    acc[j][r] += s;
                }
            }
        }
    }
#pragma unroll
    for (int j = 0; j < GEMV_ROWS; j++) {
#pragma unroll
        for (int r = 0; r < M; r++) {
            float v = warp_sum(acc[j][r]);
            if (lane == 0) partial[warp][j][r] = v;
        }
    }
    __syncthreads();
    // lanes of the group's first warp write: lane = j * M + r
    int j = lane / M, r = lane % M;
    if (part == 0 && j < GEMV_ROWS && r < m && row0 + j < n) {
        float sum = 0.0f;
        for (int p = 0; p < wpr; p++) sum += partial[warp + p][j][r];
        y[(size_t)r * n + row0 + j] = sum;
    }
}

// M: rows of x the kernel holds accumulators for (registers: 4·M); the launcher picks the smallest M >= m,
// so a decode of one sequence keeps 4 accumulators per thread and the multiprocessor full of warps
#define GEMV_KERNELS(M) \
extern "C" __global__ void gemv_bf16_m##M##_kernel1(float* __restrict__ y, const float* __restrict__ x, \
                                                   const __nv_bfloat16* __restrict__ w, int m, int n, int k, int wpr) { \
    gemv_body<__nv_bfloat16, M>(y, x, w, m, n, k, wpr); \
} \
extern "C" __global__ void gemv_f32_m##M##_kernel1(float* __restrict__ y, const float* __restrict__ x, \
                                                  const float* __restrict__ w, int m, int n, int k, int wpr) { \
    gemv_body<float, M>(y, x, w, m, n, k, wpr); \
}
GEMV_KERNELS(1)
GEMV_KERNELS(2)
GEMV_KERNELS(4)
GEMV_KERNELS(8)

extern "C" __global__ void to_bf16_kernel1(__nv_bfloat16* __restrict__ out, const float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = __float2bfloat16_rn(x[i]);
    }
}

extern "C" __global__ void argmax_kernel1(int* __restrict__ out, const float* __restrict__ logits, int rows, int vocab) {
    __shared__ float warp_best[32];
    __shared__ int warp_index[32];
    const float* l = logits + (size_t)blockIdx.x * vocab;
    float best = -CUDART_INF_F;
    int index = 0x7fffffff; // none yet: loses every tie-break
    // indices grow within a thread, so a strict > keeps the first maximum
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        float v = l[i];
        if (v > best) { best = v; index = i; }
    }
    for (int o = 16; o > 0; o >>= 1) {
        float ob = __shfl_xor_sync(0xffffffffu, best, o);
        int oi = __shfl_xor_sync(0xffffffffu, index, o);
        if (ob > best || (ob == best && oi < index)) { best = ob; index = oi; }
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { warp_best[warp] = best; warp_index[warp] = index; }
    __syncthreads();
    if (warp == 0) {
        int warps = (blockDim.x + 31) >> 5;
        best = lane < warps ? warp_best[lane] : -CUDART_INF_F;
        index = lane < warps ? warp_index[lane] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1) {
            float ob = __shfl_xor_sync(0xffffffffu, best, o);
            int oi = __shfl_xor_sync(0xffffffffu, index, o);
            if (ob > best || (ob == best && oi < index)) { best = ob; index = oi; }
        }
        if (lane == 0) out[blockIdx.x] = index == 0x7fffffff ? 0 : index;
    }
}
