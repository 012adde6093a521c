/*
mamba2_grad.cuh: the Mamba2 mixer's training kernels (forward with state checkpoints, backward), over whole
sequences from an empty state; included by mamba2.cu. Java launcher: io.jetrt.blocks.mamba2.Mamba2CudaTrainer;
Java reference: Mamba2FastScan and Mamba2FastGate (float32 storage, float64 sums), themselves tested against the
float64 Mamba2Training and the fixtures. The short conv's backward is causal_conv_grad.cuh's (blocks-common).

Per (sequence b, head h) with state S [P, N], x_t [P] this head's channels of xbc, B_t, C_t [N] its group's:
  dt = softplus(dt_raw + dt_bias) (itself above 20), decay = exp(dt A), A = -exp(A_log) (float64, cast to float)
  S_t = decay S_{t-1} + (dt x_t) B_t^T,   y_t = S_t C_t + D . x_t
Backward, with dS carried from t+1 and dy_t the loss's gradient at y_t, per row p (g = dS + dy_t[p] C_t):
  dC_t += dy_t[p] S_t[p];  dB_t += dt x_t[p] g;  dx_t[p] = dy_t[p] D[p] + dt (g . B_t);
  d decay += g . S_{t-1}[p];  d dt += x_t[p] (g . B_t);  dS = decay g
  then d dt += d decay . decay A;  dA_log += d decay . decay dt A;  d dt_raw = d dt . sigmoid(dt_raw + dt_bias)
One block per (b, h): warp w owns state rows w, w + 16, ... (P <= 16 M2G_MAXR), lane l the columns l + 32 j
(N <= 32 M2G_MAXJ). Sums over rows (dB, dC, the gates) go through shared memory in a fixed order; what heads share
(B and C of a group, the per-head weights over rows) is written per head or per row and summed by the next kernels:
no atomics, so every result is reproducible bit for bit.

Kernels (version 1 each):
  m2g_forward_kernel1     y [rows, di] (before the gate) and ckpt [B, H, NC, P, N], the state entering every chunk of
                          M2G_C tokens. Grid (H, B), block (32, 16).
  m2g_backward_kernel1    walks the chunks backwards, recomputing each chunk's states from its checkpoint into work
                          [B, H, M2G_C, P, N]: writes dxbc's x columns [rows, cd], dBp, dCp [rows, H, N], dpre (d dt_raw)
                          into du's dt column (row stride R) and into dtp [rows, H], dalp [rows, H] (A_log per row),
                          skip [rows, di] = dy x (D per row). Grid (H, B), block (32, 16).
  m2g_group_sum_kernel1   dxbc's B and C columns: dBp, dCp summed over each group's heads in order. Grid-stride.
  m2g_gate_norm_kernel1   the gate and grouped RMSNorm's backward (Mamba2FastGate.backward) per (row, group): from
                          y, z and dn: dys [rows, di], dz into du (row stride R), norm.weight's per-row parts dwp
                          [rows, di] (rmsnorm only); sums in double. Grid (rows, G), block 128.
  m2g_head_sum_kernel1    out[h] = sum of in[h P + p] over p in order (D per head). One thread per head.
*/
#pragma once
#include "common.cuh"

#define M2G_C 32     // tokens between checkpoints
#define M2G_WARPS 16
#define M2G_MAXR 8   // state rows per warp: P <= 128
#define M2G_MAXJ 4   // state columns per lane: N <= 128
#define M2G_SOFTPLUS_THRESHOLD 20.0

__device__ __forceinline__ void m2g_gates(const float* u, long long row, int R, int dtCol, int h, const float* dt_bias,
                                          double A, double* pre, double* dt, float* decay) {
    *pre = (double)u[row * R + dtCol + h] + dt_bias[h];
    *dt = *pre > M2G_SOFTPLUS_THRESHOLD ? *pre : log1p(exp(*pre));
    *decay = (float)exp(*dt * A);
}

extern "C" __global__ void __launch_bounds__(32 * M2G_WARPS)
m2g_forward_kernel1(float* __restrict__ y, float* __restrict__ ckpt, const float* __restrict__ u, int R,
                    const float* __restrict__ xbc, int cd, const float* __restrict__ dt_bias, const float* __restrict__ a_log,
                    const float* __restrict__ D, int d_per_channel, int T, int H, int P, int N, int G, int di) {
    const int lane = threadIdx.x, w = threadIdx.y, h = blockIdx.x, b = blockIdx.y;
    const int grp = h / (H / G), bOff = di + grp * N, cOff = di + G * N + grp * N, nc = (T + M2G_C - 1) / M2G_C;
    const double A = -exp((double)a_log[h]);
    float S[M2G_MAXR][M2G_MAXJ];
#pragma unroll
    for (int r = 0; r < M2G_MAXR; r++)
#pragma unroll
        for (int j = 0; j < M2G_MAXJ; j++) S[r][j] = 0.0f;
    for (int t = 0; t < T; t++) {
        const long long row = (long long)b * T + t;
        if (t % M2G_C == 0) {
            float* ck = ckpt + (((long long)b * H + h) * nc + t / M2G_C) * P * N;
#pragma unroll
            for (int r = 0; r < M2G_MAXR; r++) {
                int p = w + M2G_WARPS * r;
#pragma unroll
                for (int j = 0; j < M2G_MAXJ; j++) {
                    int n = lane + 32 * j;
                    if (p < P && n < N) ck[p * N + n] = S[r][j];
                }
            }
        }
        double pre, dt;
        float decay;
        m2g_gates(u, row, R, di + cd, h, dt_bias, A, &pre, &dt, &decay);
        const float* xr = xbc + row * cd;
#pragma unroll
        for (int r = 0; r < M2G_MAXR; r++) {
            int p = w + M2G_WARPS * r;
            if (p >= P) break; // warp-uniform
            float xv = xr[h * P + p], dtx = (float)(dt * xv);
            double acc = 0.0;
#pragma unroll
            for (int j = 0; j < M2G_MAXJ; j++) {
                int n = lane + 32 * j;
                if (n < N) {
                    S[r][j] = decay * S[r][j] + dtx * xr[bOff + n];
                    acc += (double)S[r][j] * xr[cOff + n];
                }
            }
            acc = warp_sum_d(acc);
            if (lane == 0) y[row * di + h * P + p] = (float)(acc + D[d_per_channel ? h * P + p : h] * xv);
        }
    }
}

extern "C" __global__ void __launch_bounds__(32 * M2G_WARPS)
m2g_backward_kernel1(float* __restrict__ dxbc, float* __restrict__ dBp, float* __restrict__ dCp, float* __restrict__ du,
                     float* __restrict__ dtp, float* __restrict__ dalp, float* __restrict__ skip, float* __restrict__ work,
                     const float* __restrict__ ckpt, const float* __restrict__ u, int R, const float* __restrict__ xbc, int cd,
                     const float* __restrict__ dy, const float* __restrict__ dt_bias, const float* __restrict__ a_log,
                     const float* __restrict__ D, int d_per_channel, int T, int H, int P, int N, int G, int di) {
    __shared__ float redB[M2G_WARPS][32 * M2G_MAXJ], redC[M2G_WARPS][32 * M2G_MAXJ];
    __shared__ double redG[M2G_WARPS][2];
    const int lane = threadIdx.x, w = threadIdx.y, tid = w * 32 + lane, h = blockIdx.x, b = blockIdx.y;
    const int grp = h / (H / G), bOff = di + grp * N, cOff = di + G * N + grp * N, nc = (T + M2G_C - 1) / M2G_C;
    const double A = -exp((double)a_log[h]);
    float* wk = work + ((long long)b * H + h) * M2G_C * P * N;
    float dS[M2G_MAXR][M2G_MAXJ];
#pragma unroll
    for (int r = 0; r < M2G_MAXR; r++)
#pragma unroll
        for (int j = 0; j < M2G_MAXJ; j++) dS[r][j] = 0.0f;
    for (int c = nc - 1; c >= 0; c--) {
        const int t0 = c * M2G_C, t1 = min(T, t0 + M2G_C);
        const float* ck = ckpt + (((long long)b * H + h) * nc + c) * P * N;
        // the chunk's states S_t0 .. S_t1-1 from its checkpoint, each warp its own rows
        float S[M2G_MAXR][M2G_MAXJ];
#pragma unroll
        for (int r = 0; r < M2G_MAXR; r++)
#pragma unroll
            for (int j = 0; j < M2G_MAXJ; j++) {
                int p = w + M2G_WARPS * r, n = lane + 32 * j;
                S[r][j] = p < P && n < N ? ck[p * N + n] : 0.0f;
            }
        for (int t = t0; t < t1; t++) {
            const long long row = (long long)b * T + t;
            double pre, dt;
            float decay;
            m2g_gates(u, row, R, di + cd, h, dt_bias, A, &pre, &dt, &decay);
            const float* xr = xbc + row * cd;
#pragma unroll
            for (int r = 0; r < M2G_MAXR; r++) {
                int p = w + M2G_WARPS * r;
                if (p >= P) break;
                float dtx = (float)(dt * xr[h * P + p]);
#pragma unroll
                for (int j = 0; j < M2G_MAXJ; j++) {
                    int n = lane + 32 * j;
                    if (n < N) {
                        S[r][j] = decay * S[r][j] + dtx * xr[bOff + n];
                        wk[((long long)(t - t0) * P + p) * N + n] = S[r][j];
                    }
                }
            }
        }
        for (int t = t1 - 1; t >= t0; t--) {
            const long long row = (long long)b * T + t;
            double pre, dt;
            float decay;
            m2g_gates(u, row, R, di + cd, h, dt_bias, A, &pre, &dt, &decay);
            const float* xr = xbc + row * cd;
            const float* now = wk + (long long)(t - t0) * P * N;
            const float* prev = t > t0 ? wk + (long long)(t - 1 - t0) * P * N : ck;
            float dBt[M2G_MAXJ], dCt[M2G_MAXJ];
#pragma unroll
            for (int j = 0; j < M2G_MAXJ; j++) dBt[j] = dCt[j] = 0.0f;
            double dDecay = 0.0, dDt = 0.0;
#pragma unroll
            for (int r = 0; r < M2G_MAXR; r++) {
                int p = w + M2G_WARPS * r;
                if (p >= P) break;
                const float xv = xr[h * P + p], dOut = dy[row * di + h * P + p];
                const float dtx = (float)(dt * xv);
                double sdB = 0.0, sdPrev = 0.0;
#pragma unroll
                for (int j = 0; j < M2G_MAXJ; j++) {
                    int n = lane + 32 * j;
                    if (n < N) {
                        float g = dS[r][j] + dOut * xr[cOff + n];
                        dCt[j] += dOut * now[p * N + n];
                        sdPrev += (double)g * prev[p * N + n];
                        sdB += (double)g * xr[bOff + n];
                        dBt[j] += dtx * g;
                        dS[r][j] = decay * g;
                    }
                }
                sdB = warp_sum_d(sdB);
                sdPrev = warp_sum_d(sdPrev);
                dDecay += sdPrev;
                dDt += xv * sdB;
                if (lane == 0) {
                    int ch = h * P + p;
                    dxbc[row * cd + ch] = (float)(dOut * D[d_per_channel ? ch : h] + dt * sdB);
                    skip[row * di + ch] = dOut * xv;
                }
            }
#pragma unroll
            for (int j = 0; j < M2G_MAXJ; j++) {
                redB[w][lane + 32 * j] = dBt[j];
                redC[w][lane + 32 * j] = dCt[j];
            }
            if (lane == 0) {
                redG[w][0] = dDecay;
                redG[w][1] = dDt;
            }
            __syncthreads();
            if (tid < N) {
                double sb = 0.0, sc = 0.0;
                for (int k = 0; k < M2G_WARPS; k++) {
                    sb += redB[k][tid];
                    sc += redC[k][tid];
                }
                dBp[(row * H + h) * N + tid] = (float)sb;
                dCp[(row * H + h) * N + tid] = (float)sc;
            }
            if (tid == 0) {
                double dd = 0.0, ddt = 0.0;
                for (int k = 0; k < M2G_WARPS; k++) {
                    dd += redG[k][0];
                    ddt += redG[k][1];
                }
                ddt += dd * decay * A;
                dalp[row * H + h] = (float)(dd * decay * dt * A); // dA/dA_log = A
                double dpre = pre > M2G_SOFTPLUS_THRESHOLD ? ddt : ddt / (1.0 + exp(-pre));
                dtp[row * H + h] = (float)dpre;
                du[row * R + di + cd + h] = (float)dpre;
            }
            __syncthreads(); // the reductions are read before the next token writes them
        }
    }
}

extern "C" __global__ void m2g_group_sum_kernel1(float* __restrict__ dxbc, int cd, const float* __restrict__ dBp,
                                                 const float* __restrict__ dCp, long long rows, int H, int G, int N, int di) {
    const int hpg = H / G;
    const long long n = rows * G * N;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / (G * N);
        int grp = (int)(e % (G * N)) / N, k = (int)(e % N);
        float sb = 0.0f, sc = 0.0f;
        for (int h = grp * hpg; h < (grp + 1) * hpg; h++) {
            sb += dBp[(r * H + h) * N + k];
            sc += dCp[(r * H + h) * N + k];
        }
        dxbc[r * cd + di + grp * N + k] = sb;
        dxbc[r * cd + di + G * N + grp * N + k] = sc;
    }
}

// Sum of a double over the block (blockDim.x a multiple of 32, at most 1024); every thread gets it. `shared` holds 32.
__device__ __forceinline__ double m2g_block_sum_d(double v, double* shared) {
    v = warp_sum_d(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    __syncthreads(); // shared is free (an earlier call's readers are done)
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    double s = 0.0;
    for (int k = 0; k < warps; k++) s += shared[k];
    return s;
}

extern "C" __global__ void m2g_gate_norm_kernel1(float* __restrict__ dys, float* __restrict__ dz, float* __restrict__ dwp,
                                                 const float* __restrict__ y, const float* __restrict__ u, int R,
                                                 const float* __restrict__ normW, const float* __restrict__ dn, int di,
                                                 int groupSize, int rmsnorm, double eps) {
    __shared__ double shared[32];
    const long long row = blockIdx.x;
    const int g0 = blockIdx.y * groupSize;
    double r = 1.0, dot = 0.0;
    if (rmsnorm) {
        double ss = 0.0, dd = 0.0;
        for (int i = g0 + threadIdx.x; i < g0 + groupSize; i += blockDim.x) {
            double v = (double)y[row * di + i] * silu_f(u[row * R + i]);
            ss += v * v;
            dd += (double)dn[row * di + i] * normW[i] * v;
        }
        ss = m2g_block_sum_d(ss, shared);
        dot = m2g_block_sum_d(dd, shared);
        r = 1.0 / sqrt(ss / groupSize + eps);
    }
    for (int i = g0 + threadIdx.x; i < g0 + groupSize; i += blockDim.x) {
        const float zi = u[row * R + i], yi = y[row * di + i], g = dn[row * di + i];
        double dv = g;
        if (rmsnorm) {
            double v = (double)yi * silu_f(zi);
            dv = r * g * normW[i] - r * r * r * v * dot / groupSize;
            dwp[row * di + i] = (float)(g * v * r);
        }
        dys[row * di + i] = (float)(dv * silu_f(zi));
        dz[row * R + i] = (float)(dv * yi * dsilu_f(zi));
    }
}

extern "C" __global__ void m2g_head_sum_kernel1(float* __restrict__ out, const float* __restrict__ in, int H, int P) {
    int h = blockIdx.x * blockDim.x + threadIdx.x;
    if (h >= H) return;
    float s = 0.0f;
    for (int p = 0; p < P; p++) s += in[h * P + p];
    out[h] = s;
}
