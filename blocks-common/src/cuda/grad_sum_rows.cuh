/*
grad_sum_rows.cuh: column sums for the training kernels' per-row (or per-segment) partials, in a fixed order so
that every gradient is reproducible bit for bit (no atomics). Java launcher: blocks-common
io.jetrt.blocks.common.ColumnSums. Included by gated_delta_grad.cuh and blocks-fullattn's attention_grad.cuh.

  grad_sum_rows_kernel1  out[s, c] = sum of in[r, c] over rows r of segment s (seg rows each): thread (tx, ty) of a
                         block sums rows ty, ty + 8, ... of its segment in order, then row 0 adds the 8 in order.
                         Launch: grid (ceil(n/32), segments), block (32, 8).
*/
#pragma once

#define GSR_COLS 32
#define GSR_ROWS 8

extern "C" __global__ void __launch_bounds__(GSR_COLS * GSR_ROWS)
grad_sum_rows_kernel1(float* __restrict__ out, const float* __restrict__ in, long long m, int n, long long seg) {
    __shared__ float red[GSR_ROWS][GSR_COLS];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int c = blockIdx.x * GSR_COLS + tx;
    const long long r0 = (long long)blockIdx.y * seg, r1 = min(m, r0 + seg);
    float acc = 0.0f;
    if (c < n)
        for (long long r = r0 + ty; r < r1; r += GSR_ROWS) acc += in[r * n + c];
    red[ty][tx] = acc;
    __syncthreads();
    if (ty == 0 && c < n) {
        float s = 0.0f;
#pragma unroll
        for (int y = 0; y < GSR_ROWS; y++) s += red[y][tx];
        out[(long long)blockIdx.y * n + c] = s;
    }
}
