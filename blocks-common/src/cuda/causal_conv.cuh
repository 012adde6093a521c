/*
causal_conv.cuh: the causal depthwise convolution of width W over C channels with its cache, on the GPU:
Gated DeltaNet's static short convs (q, k, v) and JetBlock's dynamic conv on values (a kernel per token).
Included by blocks-gdn/src/main/cuda/gdn.cu, blocks-jetblock/src/main/cuda/jetblock.cu and blocks-mamba2/src/main/cuda/mamba2.cu;
launched through blocks-common io.jetrt.blocks.common.ShortConvCuda (version 2; version 1 stays the reference).

Java reference: blocks-common io.jetrt.blocks.common.ShortConvState (convolveChunk, push, convolve).
Cache [B, C, W] fp32, the last W raw inputs per channel, oldest first, slot W-1 the newest: exactly the CPU
slots (q/k/v_conv_state, conv_state). Kernel weights [C, W] flat (c*W + w), w = W-1 multiplies the current token.

Kernels (version 1 each; causal_conv_kernel2 the fast form of kernel1):
  causal_conv_kernel1        out[r, c] = act(sum_w in(t-(W-1)+w, c) * (kern[r', c*W+w] + kbias[c*W+w]) + bias[c])
                             for rows r = b*T + t in [row0, row0 + nrows): in(tau) is x[b*T + tau] for tau >= 0 and
                             the cache slot W + tau before it; r' = r - row0 (kern_stride 0: one static kernel).
                             act = silu_f (common.cuh) when silu != 0. kbias and bias may be null. Reads the cache, never writes it,
                             so it runs in any number of row ranges before causal_conv_state_kernel1.
                             Launch: grid-stride, any grid, block 256.
  causal_conv_kernel2        causal_conv_kernel1's output (same arguments, same sums in the same order: bit-identical),
                             each thread a run of CONV2_RUN consecutive rows of one channel: the row's (b, t) found
                             once per run, then counted on, so no division per element (kernel1's two 64-bit divisions
                             per element made it instruction-bound, ncu: 83% SM throughput); at W 3 and 4 the inputs in
                             a register ring (conv2_run). 16384 rows x 3072 channels, W 4, on an H200: kernel1 0.50 ms,
                             kernel2 0.21 ms, its 403 MB at 4.2 TB/s 0.10 ms (gated_delta_rule_test.cu, bench conv).
                             Launch: grid (ceil(C/128), min(65535, ceil(nrows/CONV2_RUN))), block 128.
  causal_conv_state_kernel1  the cache after T tokens: slot s = x[b*T + T-W+s] if T-W+s >= 0, else old slot s+T.
                             One thread per (b, c). Launch: grid ceil(B*C/256), block 256.
  causal_conv_step_kernel1   one decode token (T = 1), fused: shift the cache row left, write x into slot W-1,
                             out = act(sum_w cache[w] * (kern[c*W+w] + kbias) + bias). One thread per (b, c).
                             Launch: grid ceil(B*C/256), block 256.
Inputs x are (pointer, row stride) so they can be column ranges of one fused projection.
*/
#pragma once
#include "common.cuh"

#define CONV2_RUN 32 // rows per thread of the version-2 conv kernels

extern "C" __global__ void causal_conv_kernel1(float* __restrict__ out, int out_stride,
                                               const float* __restrict__ x, int x_stride,
                                               const float* __restrict__ cache,
                                               const float* __restrict__ kern, long long kern_stride,
                                               const float* __restrict__ kbias, const float* __restrict__ bias,
                                               int tokens, int channels, int width,
                                               long long row0, long long nrows, int silu) {
    long long n = nrows * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long rr = e / channels;
        int c = (int)(e % channels);
        long long r = row0 + rr;
        long long bi = r / tokens;
        int t = (int)(r % tokens);
        const float* kr = kern + rr * kern_stride + (long long)c * width;
        float acc = 0.0f;
        for (int w = 0; w < width; w++) {
            int tau = t - (width - 1) + w; // < 0: the cache, slot W + tau
            float in = tau >= 0 ? x[(bi * tokens + tau) * x_stride + c] : cache[(bi * channels + c) * width + width + tau];
            float kw = kr[w];
            if (kbias != nullptr) kw += kbias[(long long)c * width + w];
            acc += in * kw;
        }
        if (bias != nullptr) acc += bias[c];
        out[r * out_stride + c] = silu ? silu_f(acc) : acc;
    }
}

// One run of causal_conv_kernel2 at a width W known when compiled: the last W inputs in a register ring (one load per
// row; refilled from the cache where a sequence starts), the taps unrolled, and the rows unrolled by 4 so that several
// rows' loads can be in flight together (with the ring: 0.37 -> 0.21 ms at 16384 x 3072, W 4). Same sums, same order
// as kernel1.
template <int W>
__device__ __forceinline__ void conv2_run(float* __restrict__ out, int out_stride, const float* __restrict__ x, int x_stride,
                                          const float* __restrict__ cache, const float* __restrict__ kern, long long kern_stride,
                                          const float* __restrict__ kbias, const float* __restrict__ bias, int tokens, int channels,
                                          int c, long long row0, long long rr0, long long rr1, int silu) {
    long long bi = (row0 + rr0) / tokens;
    int t = (int)((row0 + rr0) % tokens);
    float ring[W], kb[W];
#pragma unroll
    for (int w = 0; w < W; w++) kb[w] = kbias != nullptr ? kbias[(long long)c * W + w] : 0.0f;
    // ring[w] = in(t - W + w) before the first row's shift (w >= 1 used)
#pragma unroll
    for (int w = 1; w < W; w++) {
        const int tau = t - W + w;
        ring[w] = tau >= 0 ? x[(bi * tokens + tau) * x_stride + c] : cache[(bi * channels + c) * W + W + tau];
    }
    const float b = bias != nullptr ? bias[c] : 0.0f;
#pragma unroll 4
    for (long long rr = rr0; rr < rr1; rr++) {
        if (t == 0 && rr > rr0) { // a new sequence: its earlier inputs are its cache
#pragma unroll
            for (int w = 1; w < W; w++) ring[w] = cache[(bi * channels + c) * W + w];
        }
#pragma unroll
        for (int w = 0; w + 1 < W; w++) ring[w] = ring[w + 1];
        ring[W - 1] = x[(bi * tokens + t) * x_stride + c];
        const float* kr = kern + rr * kern_stride + (long long)c * W;
        float acc = 0.0f;
#pragma unroll
        for (int w = 0; w < W; w++) {
            float kw = kr[w];
            if (kbias != nullptr) kw += kb[w];
            acc += ring[w] * kw;
        }
        if (bias != nullptr) acc += b;
        out[(row0 + rr) * out_stride + c] = silu ? silu_f(acc) : acc;
        if (++t == tokens) { t = 0; bi++; }
    }
}

extern "C" __global__ void __launch_bounds__(128)
causal_conv_kernel2(float* __restrict__ out, int out_stride, const float* __restrict__ x, int x_stride,
                    const float* __restrict__ cache, const float* __restrict__ kern, long long kern_stride,
                    const float* __restrict__ kbias, const float* __restrict__ bias,
                    int tokens, int channels, int width, long long row0, long long nrows, int silu) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= channels) return;
    const float b = bias != nullptr ? bias[c] : 0.0f;
    for (long long run = blockIdx.y; run * CONV2_RUN < nrows; run += gridDim.y) { // gridDim.y <= 65535
        const long long rr0 = run * CONV2_RUN, rr1 = min(nrows, rr0 + CONV2_RUN);
        if (width == 4) { // the widths of the shipped configs
            conv2_run<4>(out, out_stride, x, x_stride, cache, kern, kern_stride, kbias, bias, tokens, channels, c, row0, rr0, rr1, silu);
            continue;
        }
        if (width == 3) {
            conv2_run<3>(out, out_stride, x, x_stride, cache, kern, kern_stride, kbias, bias, tokens, channels, c, row0, rr0, rr1, silu);
            continue;
        }
        long long bi = (row0 + rr0) / tokens;
        int t = (int)((row0 + rr0) % tokens);
        for (long long rr = rr0; rr < rr1; rr++) {
            const float* kr = kern + rr * kern_stride + (long long)c * width;
            float acc = 0.0f;
            for (int w = 0; w < width; w++) {
                const int tau = t - (width - 1) + w; // < 0: the cache, slot W + tau
                const float in = tau >= 0 ? x[(bi * tokens + tau) * x_stride + c] : cache[(bi * channels + c) * width + width + tau];
                float kw = kr[w];
                if (kbias != nullptr) kw += kbias[(long long)c * width + w];
                acc += in * kw;
            }
            if (bias != nullptr) acc += b;
            out[(row0 + rr) * out_stride + c] = silu ? silu_f(acc) : acc;
            if (++t == tokens) { t = 0; bi++; }
        }
    }
}

extern "C" __global__ void causal_conv_state_kernel1(float* __restrict__ cache, const float* __restrict__ x, int x_stride,
                                                     int batch, int tokens, int channels, int width) {
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)batch * channels) return;
    long long bi = e / channels;
    int c = (int)(e % channels);
    float* row = cache + e * width;
    // ascending s reads old slot s + T before anything overwrites it
    for (int s = 0; s < width; s++) {
        int tau = tokens - width + s;
        row[s] = tau >= 0 ? x[(bi * tokens + tau) * x_stride + c] : row[s + tokens];
    }
}

extern "C" __global__ void causal_conv_step_kernel1(float* __restrict__ out, int out_stride,
                                                    const float* __restrict__ x, int x_stride,
                                                    float* __restrict__ cache,
                                                    const float* __restrict__ kern, long long kern_stride,
                                                    const float* __restrict__ kbias, const float* __restrict__ bias,
                                                    int batch, int channels, int width, int silu) {
    long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)batch * channels) return;
    long long bi = e / channels;
    int c = (int)(e % channels);
    float* row = cache + e * width;
    const float* kr = kern + bi * kern_stride + (long long)c * width;
    float acc = 0.0f;
    for (int w = 0; w < width; w++) {
        float in = w + 1 < width ? row[w + 1] : x[bi * x_stride + c];
        row[w] = in;
        float kw = kr[w];
        if (kbias != nullptr) kw += kbias[(long long)c * width + w];
        acc += in * kw;
    }
    if (bias != nullptr) acc += bias[c];
    out[bi * out_stride + c] = silu ? silu_f(acc) : acc;
}
