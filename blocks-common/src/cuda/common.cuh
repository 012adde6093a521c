/*
common.cuh: reductions and activations every jetrt kernel file shares (the block bundles' .cu files, the
gated-delta headers of blocks-common, runtime/src/main/cuda/dense.cu). scripts/nvcc-fatbin.sh passes
-I blocks-common/src/cuda to every nvcc call, so any .cu includes it as "common.cuh".

Java references: io.jetrt.blocks.common.Activations (sigmoid, silu, softplus).

Reductions use the xor butterfly, so every lane (warp_*) or every thread (block_*) gets the result. They need
all 32 lanes of the warp active; block_sum needs blockDim.x a multiple of 32 and every thread of the block.
*/
#pragma once
#include <cuda_runtime.h>

// 1 / (1 + e^-x)
__device__ __forceinline__ float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }

// silu(x) = x * sigmoid(x), rounded like Activations.silu: the sigmoid to float first, then the product. The one-division
// form x / (1 + e^-x) rounds once less and differs from the CPU reference in the last bit; this one is what the CPU
// computes (BLOCKS.md: silu(x) = x·σ(x)).
__device__ __forceinline__ float silu_f(float x) { return x * sigmoid_f(x); }

// d silu(x)/dx = s (1 + x (1 - s)), s = sigmoid(x) (ActivationGrad.dSilu)
__device__ __forceinline__ float dsilu_f(float x) {
    float s = sigmoid_f(x);
    return s * (1.0f + x * (1.0f - s));
}

// log(1 + e^x), x itself above 20 (Activations.softplus, PyTorch and the Triton kernels)
__device__ __forceinline__ float softplus_f(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

// Sum of v over the warp; every lane gets the total.
__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Prefix sums of v over the warp's lanes: returns the inclusive one, v_0 + ... + v_lane, and sets excl to the
// exclusive one (0 at lane 0). Every lane of the warp calls it.
__device__ __forceinline__ float warp_prefix_sum(float v, int lane, float& excl) {
    for (int off = 1; off < 32; off <<= 1) {
        const float y = __shfl_up_sync(0xffffffffu, v, off);
        if (lane >= off) v += y;
    }
    excl = __shfl_up_sync(0xffffffffu, v, 1);
    if (lane == 0) excl = 0.f;
    return v;
}

// Sum of a double over the warp; every lane gets it.
__device__ __forceinline__ double warp_sum_d(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Largest v over the warp; every lane gets it.
__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum of v over the block; every thread gets the total. Call at most once per kernel (one shared array).
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    v = warp_sum(v);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    v = lane < warps ? partial[lane] : 0.0f;
    return warp_sum(v);
}
