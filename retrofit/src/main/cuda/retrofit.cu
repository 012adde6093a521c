/*
retrofit.cu: the distillation trainer's own kernels on the GPU, for students trained in device memory (SPI 1.4
DeviceTrainer). Java launcher: io.jetrt.retrofit.DeviceStudents; Java references: Student.relativeError, Student.update
and AdamW.step (the host path, which these mirror in float64 arithmetic per element).

Every sum is reproducible bit for bit: a fixed grid of RT_BLOCKS blocks of RT_THREADS threads, each block summing a
fixed strided set of elements in float64 and reducing in a fixed tree; the block partials are added in block order by
one thread. No atomics.

Kernels (version 1 each):
  rt_rel_partials_kernel1  per block: partial[2b] = sum (y - yt)^2, partial[2b+1] = sum yt^2 over its elements.
                           Launch: grid RT_BLOCKS, block RT_THREADS.
  rt_sumsq_partials_kernel1  per block: partial[b] = sum g^2 over its elements. Launch: grid RT_BLOCKS, block RT_THREADS.
  rt_finish_kernel1        out[slot + i] = sum over b < count of partial[b*stride + i], for i < stride, in order of b.
                           Launch: grid 1, block 32.
  rt_rel_dy_kernel1        dy = 2 (y - yt) / ref, ref = sums[1] (1 where that is 0): the relative MSE's gradient.
                           Launch: grid-stride, block 256.
  rt_adamw_kernel1         AdamW on one tensor: m = b1 m + (1-b1) g s, v = b2 v + (1-b2) (g s)^2,
                           w = w - decay w - lr (m / c1) / (sqrt(v / c2) + eps), s the clipping scale; float64 per element,
                           stored as float32. Launch: grid-stride, block 256.
*/
#include <cuda_runtime.h>

#define RT_BLOCKS 256
#define RT_THREADS 256

__device__ __forceinline__ double rt_block_sum(double v, double* shared) {
    int t = threadIdx.x;
    shared[t] = v;
    __syncthreads();
    for (int s = RT_THREADS / 2; s > 0; s >>= 1) {
        if (t < s) shared[t] += shared[t + s];
        __syncthreads();
    }
    return shared[0];
}

extern "C" __global__ void __launch_bounds__(RT_THREADS)
rt_rel_partials_kernel1(double* __restrict__ partial, const float* __restrict__ y, const float* __restrict__ yt, long long n) {
    __shared__ double shared[RT_THREADS];
    double err = 0.0, ref = 0.0;
    for (long long i = (long long)blockIdx.x * RT_THREADS + threadIdx.x; i < n; i += (long long)RT_BLOCKS * RT_THREADS) {
        double e = (double)y[i] - (double)yt[i];
        err += e * e;
        ref += (double)yt[i] * (double)yt[i];
    }
    err = rt_block_sum(err, shared);
    __syncthreads();
    ref = rt_block_sum(ref, shared);
    if (threadIdx.x == 0) {
        partial[2 * blockIdx.x] = err;
        partial[2 * blockIdx.x + 1] = ref;
    }
}

extern "C" __global__ void __launch_bounds__(RT_THREADS)
rt_sumsq_partials_kernel1(double* __restrict__ partial, const float* __restrict__ g, long long n) {
    __shared__ double shared[RT_THREADS];
    double s = 0.0;
    for (long long i = (long long)blockIdx.x * RT_THREADS + threadIdx.x; i < n; i += (long long)RT_BLOCKS * RT_THREADS) {
        s += (double)g[i] * (double)g[i];
    }
    s = rt_block_sum(s, shared);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

extern "C" __global__ void rt_finish_kernel1(double* __restrict__ out, int slot, const double* __restrict__ partial, int stride,
                                            int count) {
    if (threadIdx.x >= stride) return;
    double s = 0.0;
    for (int b = 0; b < count; b++) s += partial[b * stride + threadIdx.x];
    out[slot + threadIdx.x] = s;
}

extern "C" __global__ void rt_rel_dy_kernel1(float* __restrict__ dy, const float* __restrict__ y, const float* __restrict__ yt,
                                            const double* __restrict__ sums, long long n) {
    double ref = sums[1] == 0.0 ? 1.0 : sums[1];
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        dy[i] = (float)(2.0 * ((double)y[i] - (double)yt[i]) / ref);
    }
}

extern "C" __global__ void rt_adamw_kernel1(float* __restrict__ w, float* __restrict__ m, float* __restrict__ v,
                                           const float* __restrict__ g, long long n, double lr, double decay, double scale,
                                           double c1, double c2, double b1, double b2, double eps) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        double gi = (double)g[i] * scale;
        double mi = b1 * (double)m[i] + (1.0 - b1) * gi, vi = b2 * (double)v[i] + (1.0 - b2) * gi * gi;
        m[i] = (float)mi;
        v[i] = (float)vi;
        double wi = w[i];
        w[i] = (float)(wi - decay * wi - lr * (mi / c1) / (sqrt(vi / c2) + eps));
    }
}
