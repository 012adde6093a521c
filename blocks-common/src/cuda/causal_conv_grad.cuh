/*
causal_conv_grad.cuh: the backward of causal_conv_kernel1 (static kernel [C, W], optional bias, silu after it) from
an empty cache, for training; included by blocks-gdn/src/main/cuda/gdn.cu and blocks-mamba2/src/main/cuda/mamba2.cu.
Java launcher: blocks-common io.jetrt.blocks.common.ShortConvCuda (version 2); Java reference: io.jetrt.blocks.common.grad.FastCausalConv and
FastActivation.siluBackward. With y[t, c] = silu(s[t, c]), s[t, c] = sum_w x[t-(W-1)+w, c] kern[c, w] + bias[c]
(x before t = 0 is zero):

Kernels (version 1 each: the reference conv_grad_kernel2 is tested against, in gated_delta_rule_test.cu):
  conv_silu_grad_kernel1    ds [rows, C] = dy * silu'(s), s recomputed from x. Launch: grid-stride, block 256.
  conv_input_grad_kernel1   dx[tau, c] = sum_w kern[c, w] ds[tau + (W-1) - w, c] over the taps inside the sequence.
                            Launch: grid-stride, block 256.
  conv_weight_grad_kernel1  per segment s of `seg` rows: part[s, c W + w] = sum ds[t, c] x[t-(W-1)+w, c] and
                            part[s, C W + c] = sum ds[t, c] (the bias), summed over the segment's rows in order;
                            grad_sum_rows_kernel1 then sums the segments. Launch: grid (ceil(C/32), segments),
                            block (32, 8). W <= CONV_GRAD_MAX_W.
  conv_grad_kernel2         the three above in one pass, each thread a run of CONV2_RUN tokens of one sequence and
                            one channel: ds (never stored) from a ring of the last W inputs, dx from a ring of the last
                            W ds (the run's last W-1 tokens need W-1 ds past it: recomputed, not exchanged), and the
                            run's kernel and bias partials into part[(b * runs + run), .] as kernel1's layout
                            (runs = ceil(T/CONV2_RUN)); grad_sum_rows_kernel1 sums them. One read of dy and x, one
                            write of dx, instead of kernel1's three passes and the ds round trip: 0.63 ms against
                            1.08 ms for 16384 x 3072 at W 4 on an H200 (its 604 MB at 4.2 TB/s: 0.14 ms; one token's
                            loads at a time per thread still leave it waiting on memory).
                            Launch: grid (ceil(C/128), runs, B), block 128. W <= CONV_GRAD_MAX_W.
Inputs x and outputs dy, dx are (pointer, row stride) pairs: column ranges of one fused projection.
*/
#pragma once
#include "common.cuh"
#include "causal_conv.cuh" // CONV2_RUN

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

extern "C" __global__ void __launch_bounds__(128)
conv_grad_kernel2(float* __restrict__ dx, int dx_stride, float* __restrict__ part, const float* __restrict__ dy, int dy_stride,
                  const float* __restrict__ x, int x_stride, const float* __restrict__ kern, const float* __restrict__ bias,
                  int tokens, int channels, int width) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= channels) return;
    const int t0 = blockIdx.y * CONV2_RUN, t1 = min(tokens, t0 + CONV2_RUN);
    const long long seq = (long long)blockIdx.z * tokens; // row of token 0
    // rings, newest last: after token t's shift xs[w] = x[t-(W-1)+w], ds[w] = ds[t-(W-1)+w] (zero outside the
    // sequence); fixed-size arrays indexed by constants only, so they stay in registers
    float k[CONV_GRAD_MAX_W], kr[CONV_GRAD_MAX_W], xs[CONV_GRAD_MAX_W], ds[CONV_GRAD_MAX_W], gk[CONV_GRAD_MAX_W];
#pragma unroll
    for (int w = 0; w < CONV_GRAD_MAX_W; w++) {
        k[w] = w < width ? kern[(long long)c * width + w] : 0.0f;
        kr[w] = w < width ? kern[(long long)c * width + width - 1 - w] : 0.0f; // kr[j] = k[W-1-j]
        const int tau = t0 - width + w;
        xs[w] = w < width && tau >= 0 ? x[(seq + tau) * x_stride + c] : 0.0f;
        ds[w] = 0.0f;
        gk[w] = 0.0f;
    }
    const float b = bias != nullptr ? bias[c] : 0.0f;
    float gb = 0.0f;
    // past the run by W-1 tokens: dx at its last tokens needs their ds; past T, ds = 0 (adding k * 0 leaves kernel1's
    // sums, which skip those terms, unchanged)
    for (int t = t0; t < t1 + width - 1; t++) {
        const bool in = t < tokens;
        const float xt = in ? x[(seq + t) * x_stride + c] : 0.0f;
#pragma unroll
        for (int w = 0; w + 1 < CONV_GRAD_MAX_W; w++) xs[w] = xs[w + 1];
#pragma unroll
        for (int w = 0; w < CONV_GRAD_MAX_W; w++)
            if (w == width - 1) xs[w] = xt;
        float g = 0.0f;
        if (in) {
            float sv = bias != nullptr ? b : 0.0f;
#pragma unroll
            for (int w = 0; w < CONV_GRAD_MAX_W; w++)
                if (w < width && t - (width - 1) + w >= 0) sv += xs[w] * k[w];
            g = dy[(seq + t) * dy_stride + c] * dsilu_f(sv);
        }
#pragma unroll
        for (int w = 0; w + 1 < CONV_GRAD_MAX_W; w++) ds[w] = ds[w + 1];
#pragma unroll
        for (int w = 0; w < CONV_GRAD_MAX_W; w++)
            if (w == width - 1) ds[w] = g;
        if (t < t1) { // the run's own tokens: the kernel's and bias's gradients
#pragma unroll
            for (int w = 0; w < CONV_GRAD_MAX_W; w++)
                if (w < width) gk[w] += g * xs[w];
            gb += g;
        }
        // dx[tau] = sum_w kern[w] ds[tau + W-1-w] (kernel1's order), complete once ds[t], t = tau + W-1, is in
        const int tau = t - (width - 1);
        if (tau >= t0) {
            float a = 0.0f;
#pragma unroll
            for (int j = CONV_GRAD_MAX_W - 1; j >= 0; j--) // w = W-1-j ascending
                if (j < width) a += kr[j] * ds[j];
            dx[(seq + tau) * dx_stride + c] = a;
        }
    }
    float* out = part + ((long long)blockIdx.z * gridDim.y + blockIdx.y) * channels * (width + 1);
#pragma unroll
    for (int w = 0; w < CONV_GRAD_MAX_W; w++)
        if (w < width) out[(long long)c * width + w] = gk[w];
    out[(long long)channels * width + c] = gb;
}
