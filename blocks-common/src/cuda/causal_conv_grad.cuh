/*
causal_conv_grad.cuh: the backward of causal_conv_kernel1 (static kernel [C, W], optional bias, silu after it) from
an empty cache, for training; included by blocks-gdn/src/main/cuda/gdn.cu. Java launcher: blocks-common
io.jetrt.blocks.common.GatedDeltaGradCuda; Java reference: io.jetrt.blocks.common.grad.FastCausalConv and
FastActivation.siluBackward. With y[t, c] = silu(s[t, c]), s[t, c] = sum_w x[t-(W-1)+w, c] kern[c, w] + bias[c]
(x before t = 0 is zero):

Kernels (version 1 each):
  conv_silu_grad_kernel1    ds [rows, C] = dy * silu'(s), s recomputed from x. Launch: grid-stride, block 256.
  conv_input_grad_kernel1   dx[tau, c] = sum_w kern[c, w] ds[tau + (W-1) - w, c] over the taps inside the sequence.
                            Launch: grid-stride, block 256.
  conv_weight_grad_kernel1  per segment s of `seg` rows: part[s, c W + w] = sum ds[t, c] x[t-(W-1)+w, c] and
                            part[s, C W + c] = sum ds[t, c] (the bias), summed over the segment's rows in order;
                            grad_sum_rows_kernel1 then sums the segments. Launch: grid (ceil(C/32), segments),
                            block (32, 8). W <= CONV_GRAD_MAX_W.
Inputs x and outputs dy, dx are (pointer, row stride) pairs: column ranges of one fused projection.
*/
#pragma once
#include "common.cuh"

#define CONV_GRAD_MAX_W 8

extern "C" __global__ void conv_silu_grad_kernel1(float* __restrict__ ds, const float* __restrict__ dy, int dy_stride,
                                                  const float* __restrict__ x, int x_stride, const float* __restrict__ kern,
                                                  const float* __restrict__ bias, int tokens, int channels, int width,
                                                  long long rows) {
    long long n = rows * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / channels;
        int c = (int)(e % channels);
        int t = (int)(r % tokens);
        float s = bias != nullptr ? bias[c] : 0.0f;
        for (int w = 0; w < width; w++) {
            int tau = t - (width - 1) + w;
            if (tau >= 0) s += x[(r - t + tau) * x_stride + c] * kern[(long long)c * width + w];
        }
        ds[e] = dy[r * dy_stride + c] * dsilu_f(s);
    }
}

extern "C" __global__ void conv_input_grad_kernel1(float* __restrict__ dx, int dx_stride, const float* __restrict__ ds,
                                                   const float* __restrict__ kern, int tokens, int channels, int width,
                                                   long long rows) {
    long long n = rows * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / channels;
        int c = (int)(e % channels);
        int tau = (int)(r % tokens);
        float acc = 0.0f;
        for (int w = 0; w < width; w++) {
            int t = tau + width - 1 - w; // the output this tap of x[tau] feeds
            if (t < tokens) acc += kern[(long long)c * width + w] * ds[(r - tau + t) * channels + c];
        }
        dx[r * dx_stride + c] = acc;
    }
}

extern "C" __global__ void __launch_bounds__(256)
conv_weight_grad_kernel1(float* __restrict__ part, const float* __restrict__ ds, const float* __restrict__ x, int x_stride,
                         int tokens, int channels, int width, long long rows, long long seg) {
    __shared__ float red[8][32][CONV_GRAD_MAX_W + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int c = blockIdx.x * 32 + tx;
    const long long r0 = (long long)blockIdx.y * seg, r1 = min(rows, r0 + seg);
    float acc[CONV_GRAD_MAX_W + 1];
#pragma unroll
    for (int w = 0; w <= CONV_GRAD_MAX_W; w++) acc[w] = 0.0f;
    if (c < channels) {
        for (long long r = r0 + ty; r < r1; r += 8) {
            const float g = ds[r * channels + c];
            const int t = (int)(r % tokens);
#pragma unroll
            for (int w = 0; w < CONV_GRAD_MAX_W; w++) {
                int tau = t - (width - 1) + w;
                if (w < width && tau >= 0) acc[w] += g * x[(r - t + tau) * x_stride + c];
            }
            acc[CONV_GRAD_MAX_W] += g;
        }
    }
#pragma unroll
    for (int w = 0; w <= CONV_GRAD_MAX_W; w++) red[ty][tx][w] = acc[w];
    __syncthreads();
    if (ty == 0 && c < channels) {
        float* out = part + (long long)blockIdx.y * channels * (width + 1);
        for (int w = 0; w <= width; w++) {
            float s = 0.0f;
            const int src = w < width ? w : CONV_GRAD_MAX_W;
            for (int y = 0; y < 8; y++) s += red[y][tx][src];
            out[w < width ? (long long)c * width + w : (long long)channels * width + c] = s;
        }
    }
}
