/*
attention.cu: Qwen2-style GQA attention with RoPE (full causal and sliding window) on the GPU.

Java references (blocks-fullattn/src/main/java/io/jetrt/blocks/fullattn/):
  Rope.java                 rotation of q and k (HF default layout, halves of Dh/2)
  KvCache.java              the cache layout every kernel here reads and writes: key_cache, value_cache
                            [B, Hkv, L, Dh], keys after RoPE; full attention keeps token p at row p
                            (L = capacity); sliding window keeps the last W tokens oldest first in rows
                            0..min(seen, W)-1 (L = W), shifted left when full (appendChunk / append)
  AttentionReference.java   the per-token math (softmax over the keys the cache holds)
  AttentionCpu.java         the chunked form (a chunk's queries see the cache's past rows then the chunk)
The Java launcher is AttentionCuda.java (same package), one call per kernel, named like the kernel.
Tests: blocks-fullattn/src/test/java/io/jetrt/blocks/fullattn/AttentionCudaTest.java (golden files,
CUDA vs CPU through the conformance kit at T = 1, 63, 65, 500 with NaN-poisoned outputs, decode with a
different position per sequence).

Shapes (row-major, fp32): rows = B*T; qkv [rows, (H + 2 Hkv) Dh] the fused q|k|v projection output;
q [rows, H, Dh]; kn, vn [rows, Hkv, Dh] (this call's keys after RoPE and values); cache [B, Hkv, L, Dh].

The "virtual key sequence" of sequence b, shared by prefill and decode: with pos = positions[b] (tokens
seen before this call) and past = min(pos, W) for a sliding window (min(pos, L) for full attention),
virtual row j < past is cache row j, and row past + t is this call's token t; its absolute position is
pos - past + j. Query t (position pos + t) attends rows whose position p has p <= pos + t and, with a
window, p > pos + t - W: exactly what the Java reference attends (the cache contents then the new keys).

Kernels (version 1 each: the simplest correct form):
  attention_rope_kernel1     q, kn, vn from qkv: + bias, RoPE on q and k at position positions[b] + t, the
                             angle in double from Rope.java's own inverse frequencies (uploaded as doubles)
                             and cos/sin cast to float as Rope.java does. Grid (rows),
                             block = Dh/2 rounded up to 32 (one thread per frequency, all heads).
  attention_rope_kernel2     kernel1's math bit for bit (the one AttentionCuda runs): cos/sin of the row's Dh/2
                             frequencies once into shared memory, then one thread per rotated pair of each q/k head
                             and per v channel (kernel1's thread looped over the 14 heads of the 2B model one load
                             after another: ~15 us for a decode row). Grid (rows), block (H + Hkv)·Dh/2 rounded up
                             to 32, at most 1024.
  attention_prefill_kernel1  softmax(q kᵀ · Dh^-½ + mask) v over the virtual key sequence, online softmax
                             in key tiles of KT (32, or 16 when Dh > 128) staged in shared memory.
                             Grid (ceil(T / QT), H, B), block 32·WARPS; each warp owns NQ = 4 queries, so
                             QT = 4·WARPS (16, or 8 when Dh > 128). Lane l scores key l of the tile; the
                             p·V step broadcasts p by shuffles, each lane owning channels lane + 32c.
  attention_prefill_kernel2  (version 2 of the prefill, the one AttentionCuda runs; kernel1 is its reference) the
                             same attention as flash attention on tensor cores: mma.sync m16n8k16 with q·scale·log2 e,
                             k, v and p rounded to fp16 (range 6.5e4: post-RoPE q/k/v of a model stay far below),
                             scores, softmax (exp2) and o accumulated in fp32. Each warp owns 16 queries
                             (its q fragments in registers), the block 4 warps = 64 queries; key tiles of KT (64,
                             32 for the _wide variant, Dh <= 256) staged in shared memory as fp16, K and V row-major
                             [KT][DP+8] (DP = Dh rounded up to 16, zero-padded; the +8 makes the fragment loads
                             conflict-free), 8 pairs of each thread's loads in flight together. P goes from the score accumulators to the A
                             fragments of P·V in registers. A warp skips a tile none of its queries sees.
                             Grid (ceil(T / 64), H, B) with the last query tiles (most keys) scheduled first,
                             block 128; kernel1's arguments (kt unused). Equal to kernel1 within ~1e-3 of the
                             output's scale (AttentionCudaTest.prefillKernel2EqualsKernel1).
  attention_decode_kernel1   one query per (sequence, head) at position positions[b] (flash decoding): the
                             virtual keys (past + 1) are split into S contiguous ranges, a multiple of KT
                             long, computed from the key count read on the device; each block writes the
                             unnormalised partial o, its max m and sum l. Grid (S, Hkv·ceil(G / QT), B):
                             one block serves the G query heads of one KV head, so each K/V tile is read
                             once per group. S depends only on B, the config and the cache length (never
                             on positions), so the launch is the same at every step (CUDA graphs).
  attention_decode_kernel2   (version 2 of the decode, the one AttentionCuda runs when Dh % 4 == 0 and Dh > 128, and for
                             fp32-only tests; kernel1 is its
                             reference, AttentionCudaTest.decodeKernel2EqualsKernel1) the same partials without shared
                             tiles: each warp walks its own keys of the split 4 at a time (2 for _wide, Dh > 128), a key
                             row one coalesced float4 per lane, K and V of the 4 rows loaded before any is used; the
                             lane's float4 of all (up to DQ = 8) query heads of the KV group in registers, scores by a
                             butterfly sum, online softmax once per 4 keys, the 4 warps merged in shared memory.
                             Grid (S, Hkv·ceil(G / 8), B), block 128; S from B, the config and the cache length only
                             (AttentionCuda.splits2: ~8 blocks per SM, >= 32 keys of the cache length per split).
                             On an H100 (12 heads over 2, Dh 128, all at position 4096, with the combine): B 64 605 ->
                             301 us, B 128 1083 -> 649 us, B 1 45 -> 39 us (window 1152: 202 -> 103, 334 -> 207, 25 -> 20).
  attention_decode_kernel3   (version 3 of the decode, the one AttentionCuda runs when Dh <= 128 and Dh % 4 == 0;
                             kernel1 is its reference, AttentionCudaTest.decodeKernel3EqualsKernel1, within the prefill
                             kernel2's fp16 error model) the same partials on tensor cores: the <= 16 query heads of a
                             KV group are the rows of an mma.m16n8k16 tile, 64-key tiles staged as fp16 in shared
                             memory, each warp 16 keys of a tile with its own online softmax. Grid (S, Hkv·ceil(G / 16),
                             B), block 128; S (AttentionCuda.splits3) the fewest that fill the last wave of 3 resident
                             blocks per SM to 95%. On an H200 (12 heads over 2, Dh 128, with the combine; kernel2 ->
                             kernel3): B 128 at 65536 9856 -> 4863 us (1.74 -> 3.53 TB/s of K/V), B 64 at 4096
                             304 -> 185 us, B 1 at 65536 131 -> 71 us; window 1152 at B 128 203 -> 113 us.
  attention_combine_kernel1  o = Σ_s o_s e^(m_s - M) / Σ_s l_s e^(m_s - M), M = max_s m_s. Grid (H, B), 128;
                             warp 0 reduces over the splits into shared weights, then every thread sums
                             its channels with 8 independent loads and sums in flight (the first version, a
                             dependent chain per split, took 70 us at 131 splits under ncu; one sum, 16 us).
  (kernel1 prefill and decode stage their key tiles with 8 loads of each thread in flight at once.)
  attention_append_kernel1   full attention: cache row positions[b] + t := kn/vn token t (rows past the
                             capacity are skipped; the host checks the capacity in prefill).
                             Grid (T, Hkv, B), 128 threads over Dh.
  attention_window_kernel1   sliding window: with n = past + T and m = min(n, W), cache rows [0, m) :=
                             virtual rows [n - m, n), read from a copy of the cache taken before the call
                             (ko, vo) and from kn/vn. This is KvCache.appendChunk and KvCache.append in one
                             rule (rows >= m are left as they are, as the Java does).
                             Grid (W, Hkv, B), 128 threads over Dh.

Limits: Dh <= 256 (MAXC channels of 32 per lane); shared memory (QT·Dh + KT·(Dh+1) + KT·Dh)·4 bytes stays
under 48 KiB (41 KiB at Dh = 128 or 256); kernel2: 2 KT (DP+8)·2 bytes, 34 KiB at Dh 128 and at Dh 256
(_wide).

Training (forward and backward over whole sequences, AttentionCudaTrainer): attention_grad.cuh, with the column sums
of grad_sum_rows.cuh (blocks-common) for the biases.
*/
#include <math_constants.h>
#include <cuda_fp16.h>
#include "common.cuh"   // warp_max, warp_sum
#include "attention_grad.cuh"  // training
#include "grad_sum_rows.cuh"   // training: the biases' gradients

#define NQ 4      // queries per warp
#define MAXC 8    // channels per lane: Dh <= 32 * MAXC
#define MAX_SPLITS 256  // key splits of a decode query (AttentionCuda.MAX_SPLITS)


extern "C" __global__ void attention_rope_kernel1(float* __restrict__ q, float* __restrict__ kn, float* __restrict__ vn,
                                                  const float* __restrict__ qkv, const float* __restrict__ bias,
                                                  const int* __restrict__ positions, const double* __restrict__ invFreq,
                                                  int T, int H, int Hkv, int dh) {
    int r = blockIdx.x, b = r / T, t = r % T;
    long long pos = (long long)positions[b] + t;
    int half = dh / 2, width = (H + 2 * Hkv) * dh;
    const float* in = qkv + (size_t)r * width;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        // as Rope.java: the angle in double (invFreq is Rope.java's table, bit for bit), cos/sin rounded to float
        double angle = (double)pos * invFreq[i], sd, cd;
        sincos(angle, &sd, &cd);
        float c = (float)cd, s = (float)sd;
        for (int h = 0; h < H + Hkv; h++) {
            int a = h * dh + i;
            float x1 = in[a] + bias[a], x2 = in[a + half] + bias[a + half];
            float* out = h < H ? q + (size_t)r * H * dh + h * dh : kn + (size_t)r * Hkv * dh + (h - H) * dh;
            // no fused multiply-add: the Java rounds each product
            out[i] = __fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s));
            out[i + half] = __fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s));
        }
    }
    for (int i = threadIdx.x; i < Hkv * dh; i += blockDim.x) {
        int a = (H + Hkv) * dh + i;
        vn[(size_t)r * Hkv * dh + i] = in[a] + bias[a];
    }
}

// attention_rope_kernel1's math, bit for bit, with every load in flight at once: the half cos/sin pairs of the
// row computed once into shared memory (double angle and sincos, as Rope.java), then one thread per rotated
// pair of every q/k head and per v channel. Block (H + Hkv)·Dh/2 threads rounded up to 32, at most 1024.
extern "C" __global__ void attention_rope_kernel2(float* __restrict__ q, float* __restrict__ kn, float* __restrict__ vn,
                                                  const float* __restrict__ qkv, const float* __restrict__ bias,
                                                  const int* __restrict__ positions, const double* __restrict__ invFreq,
                                                  int T, int H, int Hkv, int dh) {
    __shared__ float cs[128], sn[128];   // Dh <= 256
    int r = blockIdx.x, b = r / T, t = r % T;
    long long pos = (long long)positions[b] + t;
    int half = dh / 2, width = (H + 2 * Hkv) * dh;
    for (int i = threadIdx.x; i < half; i += blockDim.x) {
        double angle = (double)pos * invFreq[i], sd, cd;
        sincos(angle, &sd, &cd);
        cs[i] = (float)cd;
        sn[i] = (float)sd;
    }
    const float* in = qkv + (size_t)r * width;
    for (int e = threadIdx.x; e < Hkv * dh; e += blockDim.x) {
        int a = (H + Hkv) * dh + e;
        vn[(size_t)r * Hkv * dh + e] = in[a] + bias[a];
    }
    __syncthreads();
    for (int e = threadIdx.x; e < (H + Hkv) * half; e += blockDim.x) {
        int h = e / half, i = e - h * half, a = h * dh + i;
        float c = cs[i], s = sn[i];
        float x1 = in[a] + bias[a], x2 = in[a + half] + bias[a + half];
        float* out = h < H ? q + (size_t)r * H * dh + h * dh : kn + (size_t)r * Hkv * dh + (h - H) * dh;
        out[i] = __fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s));
        out[i + half] = __fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s));
    }
}

// Cache rows the virtual key sequence starts with (see the header).
__device__ __forceinline__ int past_rows(int pos, int window, int L) {
    int cap = window > 0 ? window : L;
    return pos < cap ? pos : cap;
}

// Stages virtual key rows [j0, j0 + cnt) of (b, kvh) in Ks [KT][Dh+1] and Vs [KT][Dh]; rows >= cnt are
// zero. Called by the whole block.
__device__ __forceinline__ void load_tile(float* Ks, float* Vs, const float* __restrict__ kc, const float* __restrict__ vc,
                                          const float* __restrict__ kn, const float* __restrict__ vn,
                                          int b, int kvh, int Hkv, int dh, int L, int T, int past, int j0, int cnt, int kt) {
    constexpr int U = 8;   // loads of each thread in flight together (one at a time left the decode latency-bound)
    for (int base = threadIdx.x; base < kt * dh; base += U * blockDim.x) {
        float kv[U], vv[U];
#pragma unroll
        for (int u = 0; u < U; u++) {
            int e = base + u * blockDim.x, row = e / dh, i = e - row * dh, j = j0 + row;
            kv[u] = 0.0f;
            vv[u] = 0.0f;
            if (row < cnt) {               // cnt <= kt: also the end of the tile
                size_t off = j < past ? (((size_t)b * Hkv + kvh) * L + j) * dh + i
                                      : (((size_t)b * T + (j - past)) * Hkv + kvh) * dh + i;
                kv[u] = (j < past ? kc : kn)[off];
                vv[u] = (j < past ? vc : vn)[off];
            }
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            int e = base + u * blockDim.x, row = e / dh, i = e - row * dh;
            if (row < kt) {
                Ks[row * (dh + 1) + i] = kv[u];
                Vs[row * dh + i] = vv[u];
            }
        }
    }
}

// One warp, its NQ queries (Qw [NQ][Dh], already scaled; qpos < 0 = no query), one staged tile of cnt
// keys whose first has absolute position kp0: online-softmax update of m, l, o.
__device__ __forceinline__ void attend_tile(float (&m)[NQ], float (&l)[NQ], float (&o)[NQ][MAXC], const float* Qw,
                                            const int (&qpos)[NQ], const float* Ks, const float* Vs,
                                            int dh, int cnt, int kp0, int window) {
    int lane = threadIdx.x & 31;
    float s[NQ];
#pragma unroll
    for (int q = 0; q < NQ; q++) s[q] = -CUDART_INF_F;
    if (lane < cnt) {
        float acc[NQ];
#pragma unroll
        for (int q = 0; q < NQ; q++) acc[q] = 0.0f;
        const float* kr = Ks + lane * (dh + 1);
        for (int i = 0; i < dh; i++) {
            float kv = kr[i];
#pragma unroll
            for (int q = 0; q < NQ; q++) acc[q] += Qw[q * dh + i] * kv;
        }
        int kp = kp0 + lane;
#pragma unroll
        for (int q = 0; q < NQ; q++) {
            bool seen = qpos[q] >= 0 && kp <= qpos[q] && (window <= 0 || kp > qpos[q] - window);
            if (seen) s[q] = acc[q];
        }
    }
    float p[NQ];
#pragma unroll
    for (int q = 0; q < NQ; q++) {
        float mnew = fmaxf(m[q], warp_max(s[q]));   // the same on every lane
        float corr;
        if (mnew == -CUDART_INF_F) {                // nothing seen yet: l and o stay 0
            corr = 1.0f;
            p[q] = 0.0f;
        } else {
            corr = m[q] == -CUDART_INF_F ? 0.0f : expf(m[q] - mnew);
            p[q] = s[q] == -CUDART_INF_F ? 0.0f : expf(s[q] - mnew);
        }
        l[q] = l[q] * corr + warp_sum(p[q]);
        m[q] = mnew;
#pragma unroll
        for (int c = 0; c < MAXC; c++) o[q][c] *= corr;
    }
    for (int j = 0; j < cnt; j++) {
        float pj[NQ];
#pragma unroll
        for (int q = 0; q < NQ; q++) pj[q] = __shfl_sync(0xffffffffu, p[q], j);
        const float* vr = Vs + j * dh;
#pragma unroll
        for (int c = 0; c < MAXC; c++) {
            int i = lane + 32 * c;
            if (i < dh) {
                float vv = vr[i];
#pragma unroll
                for (int q = 0; q < NQ; q++) o[q][c] += pj[q] * vv;
            }
        }
    }
}

extern "C" __global__ void attention_prefill_kernel1(float* __restrict__ out, const float* __restrict__ q,
                                                     const float* __restrict__ kc, const float* __restrict__ vc,
                                                     const float* __restrict__ kn, const float* __restrict__ vn,
                                                     const int* __restrict__ positions, int T, int H, int Hkv, int dh,
                                                     int L, int window, int kt, float scale) {
    extern __shared__ float smem[];
    int warps = blockDim.x >> 5, qt = warps * NQ;
    float* Qs = smem;                       // [QT][Dh]
    float* Ks = Qs + qt * dh;               // [KT][Dh+1]
    float* Vs = Ks + kt * (dh + 1);         // [KT][Dh]
    int b = blockIdx.z, h = blockIdx.y, t0 = blockIdx.x * qt, kvh = h / (H / Hkv);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int pos = positions[b], past = past_rows(pos, window, L), kp0 = pos - past;
    int t1 = min(t0 + qt, T);
    for (int e = threadIdx.x; e < qt * dh; e += blockDim.x) {
        int r = e / dh, i = e % dh, t = t0 + r;
        Qs[e] = t < T ? q[(((size_t)b * T + t) * H + h) * dh + i] * scale : 0.0f;
    }
    // virtual key range the tile's queries can see: [lo, hi)
    int hi = past + t1;                    // the last query's own key is row past + t1 - 1
    int lo = window > 0 ? max(0, pos + t0 - window + 1 - kp0) : 0;
    float m[NQ], l[NQ], o[NQ][MAXC];
    int qpos[NQ];
#pragma unroll
    for (int qi = 0; qi < NQ; qi++) {
        int t = t0 + warp * NQ + qi;
        qpos[qi] = t < T ? pos + t : -1;
        m[qi] = -CUDART_INF_F;
        l[qi] = 0.0f;
#pragma unroll
        for (int c = 0; c < MAXC; c++) o[qi][c] = 0.0f;
    }
    const float* Qw = Qs + warp * NQ * dh;
    for (int j0 = lo; j0 < hi; j0 += kt) {
        int cnt = min(kt, hi - j0);
        __syncthreads();                    // the previous tile is no longer read (and Qs is written)
        load_tile(Ks, Vs, kc, vc, kn, vn, b, kvh, Hkv, dh, L, T, past, j0, cnt, kt);
        __syncthreads();
        attend_tile(m, l, o, Qw, qpos, Ks, Vs, dh, cnt, kp0 + j0, window);
    }
#pragma unroll
    for (int qi = 0; qi < NQ; qi++) {
        if (qpos[qi] < 0) continue;
        int t = t0 + warp * NQ + qi;
        float inv = 1.0f / l[qi];
        float* orow = out + (((size_t)b * T + t) * H + h) * dh;
#pragma unroll
        for (int c = 0; c < MAXC; c++) {
            int i = lane + 32 * c;
            if (i < dh) orow[i] = o[qi][c] * inv;
        }
    }
}


// ---- version 2 of the prefill: flash attention on tensor cores (mma.sync m16n8k16, fp16 in, fp32 out) ----

__device__ __forceinline__ unsigned pack_half2(float lo, float hi) {
    __half2 v = __floats2half2_rn(lo, hi);     // lo -> the low 16 bits (the lower column of an mma fragment)
    return *reinterpret_cast<unsigned*>(&v);
}

// d += a · b: a 16x16 row-major (4 half2 per lane), b 16x8 column-major (2 half2), d 16x8 fp32 (4 per lane).
// Fragments (PTX ISA, mma.m16n8k16 f16): g = lane / 4, c = 2 (lane % 4);
//   a0 (row g, cols c, c+1), a1 (row g+8, cols c, c+1), a2 (row g, cols c+8, c+9), a3 (row g+8, cols c+8, c+9);
//   b0 (rows c, c+1, col g), b1 (rows c+8, c+9, col g); d0, d1 (row g, cols c, c+1), d2, d3 (row g+8, cols c, c+1).
__device__ __forceinline__ void mma_16816(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two halves one row apart (p[0] low, p[stride] high): a B fragment register from a row-major [k][n] tile.
__device__ __forceinline__ unsigned pair_rows(const __half* p, int stride) {
    unsigned lo = *reinterpret_cast<const unsigned short*>(p), hi = *reinterpret_cast<const unsigned short*>(p + stride);
    return lo | (hi << 16);
}

// Channels c, c+1 of one query row (scaled), as half2; zero past Dh or for a row past T.
__device__ __forceinline__ unsigned load_q2(const float* __restrict__ row, bool valid, int c, int dh, float scale) {
    if (!valid || c >= dh) return 0u;   // dh is even, so c < dh means c + 1 < dh too
    return pack_half2(row[c] * scale, row[c + 1] * scale);
}

// The body of attention_prefill_kernel2*: NT tiles of 8 output channels (Dh <= 8 NT), KT keys per tile, WARPS
// warps of 16 queries each, U pairs of k/v loads in flight per thread while staging. Dynamic shared memory (halves): Ks [KT][DP+8] then Vs [KT][DP+8], DP = Dh rounded
// up to 16 (AttentionCuda.sharedBytes2).
template <int NT, int KT, int WARPS, int U>
__device__ __forceinline__ void prefill2(float* __restrict__ out, const float* __restrict__ q,
                                         const float* __restrict__ kc, const float* __restrict__ vc,
                                         const float* __restrict__ kn, const float* __restrict__ vn,
                                         const int* __restrict__ positions, int T, int H, int Hkv, int dh,
                                         int L, int window, float scale) {
    constexpr int QT = 16 * WARPS, NS = KT / 8, KQ = NT / 2;
    extern __shared__ __align__(16) unsigned char smem2[];
    int dp = (dh + 15) & ~15;
    if (dp > 8 * NT) return;               // the launcher picks the variant by Dh; outputs stay unwritten
    int kstr = dp + 8;                     // row stride of Ks and Vs in halves: conflict-free fragment loads
    __half* Ks = reinterpret_cast<__half*>(smem2);
    __half* Vs = Ks + KT * kstr;
    int b = blockIdx.z, h = blockIdx.y, t0 = (gridDim.x - 1 - blockIdx.x) * QT;   // the longest tiles first
    int kvh = h / (H / Hkv);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, c2 = (lane & 3) * 2;
    int pos = positions[b], past = past_rows(pos, window, L), kp0 = pos - past;
    int t1 = min(t0 + QT, T);
    int hi = past + t1;
    int lo = window > 0 ? max(0, pos + t0 - window + 1 - kp0) : 0;

    // channels [Dh, DP) of K and V stay zero (the staging below writes channels < Dh only)
    for (int e = threadIdx.x; e < KT * (dp - dh); e += blockDim.x) {
        int r = e / (dp - dh), c = dh + e % (dp - dh);
        Ks[r * kstr + c] = __float2half_rn(0.0f);
        Vs[r * kstr + c] = __float2half_rn(0.0f);
    }

    // this lane's two query rows: ta (fragment row g) and tb (row g + 8)
    int wq = t0 + warp * 16, ta = wq + g, tb = ta + 8;
    int qa = ta < T ? pos + ta : -1, qb = tb < T ? pos + tb : -1;
    float qscale = scale * 1.4426950408889634f;   // scores in log2 units: p = 2^(s - m)
    unsigned qf[KQ][4];
    {
        const float* ra = q + (((size_t)b * T + (ta < T ? ta : 0)) * H + h) * dh;
        const float* rb = q + (((size_t)b * T + (tb < T ? tb : 0)) * H + h) * dh;
#pragma unroll
        for (int kk = 0; kk < KQ; kk++) {
            int c = kk * 16 + c2;
            qf[kk][0] = load_q2(ra, ta < T, c, dh, qscale);
            qf[kk][1] = load_q2(rb, tb < T, c, dh, qscale);
            qf[kk][2] = load_q2(ra, ta < T, c + 8, dh, qscale);
            qf[kk][3] = load_q2(rb, tb < T, c + 8, dh, qscale);
        }
    }
    float o[NT][4], m[2] = {-CUDART_INF_F, -CUDART_INF_F}, l[2] = {0.0f, 0.0f};
#pragma unroll
    for (int n = 0; n < NT; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;
    // the warp's query positions [wlo, whi]; wlo > whi: the warp has no query
    int wlo = pos + wq, whi = pos + min(wq + 15, T - 1);
    // staging: pair e = row · Dh/2 + col of the tile goes to thread e % blockDim.x; (srow, scol) walks them
    int hd = dh >> 1, drow = blockDim.x / hd, dcol = blockDim.x % hd;
    int srow = threadIdx.x / hd, scol = threadIdx.x % hd;

    for (int j0 = lo; j0 < hi; j0 += KT) {
        int cnt = min(KT, hi - j0);
        __syncthreads();                   // the previous tile is no longer read
        // stage the tile: U pairs of k and v per thread loaded before any is stored, so they are in flight together
        for (int base = 0; base < KT * hd; base += U * blockDim.x) {
            float k0[U], k1[U], v0[U], v1[U];
            int rw[U], cl[U];
#pragma unroll
            for (int u = 0; u < U; u++) {
                int row = srow, c = 2 * scol, j = j0 + row;
                rw[u] = row;
                cl[u] = c;
                k0[u] = k1[u] = v0[u] = v1[u] = 0.0f;
                if (row < cnt) {           // cnt <= KT: also the end of the tile
                    size_t off = j < past ? (((size_t)b * Hkv + kvh) * L + j) * dh + c
                                          : (((size_t)b * T + (j - past)) * Hkv + kvh) * dh + c;
                    const float* ks = j < past ? kc : kn;
                    const float* vs = j < past ? vc : vn;
                    k0[u] = ks[off];
                    k1[u] = ks[off + 1];
                    v0[u] = vs[off];
                    v1[u] = vs[off + 1];
                }
                srow += drow;              // the next pair of this thread: blockDim.x pairs further
                scol += dcol;
                if (scol >= hd) {
                    scol -= hd;
                    srow++;
                }
            }
#pragma unroll
            for (int u = 0; u < U; u++) {
                if (rw[u] < KT) {
                    *reinterpret_cast<__half2*>(Ks + rw[u] * kstr + cl[u]) = __floats2half2_rn(k0[u], k1[u]);
                    *reinterpret_cast<__half2*>(Vs + rw[u] * kstr + cl[u]) = __floats2half2_rn(v0[u], v1[u]);
                }
            }
        }
        srow = threadIdx.x / hd;           // back to the thread's first pair for the next tile
        scol = threadIdx.x % hd;
        __syncthreads();
        // a warp none of whose queries sees a key of this tile skips it (warp-uniform)
        int klo = kp0 + j0, khi = klo + cnt - 1;
        if (wlo > whi || klo > whi || (window > 0 && khi <= wlo - window)) continue;

        float s[NS][4];
#pragma unroll
        for (int n = 0; n < NS; n++) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
#pragma unroll
        for (int kk = 0; kk < KQ; kk++) {
            if (kk * 16 >= dp) break;
#pragma unroll
            for (int n = 0; n < NS; n++) {
                const __half* kr = Ks + (n * 8 + g) * kstr + kk * 16 + c2;
                mma_16816(s[n], qf[kk], *reinterpret_cast<const unsigned*>(kr), *reinterpret_cast<const unsigned*>(kr + 8));
            }
        }
        float mx[2] = {-CUDART_INF_F, -CUDART_INF_F};
#pragma unroll
        for (int n = 0; n < NS; n++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int r = n * 8 + c2 + (e & 1), kp = klo + r, qp = e < 2 ? qa : qb;
                bool seen = qp >= 0 && r < cnt && kp <= qp && (window <= 0 || kp > qp - window);
                s[n][e] = seen ? s[n][e] : -CUDART_INF_F;
                mx[e >> 1] = fmaxf(mx[e >> 1], s[n][e]);
            }
        }
        float mref[2], sum[2] = {0.0f, 0.0f};
#pragma unroll
        for (int r = 0; r < 2; r++) {
            // the 4 lanes of a quad hold one row
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
            float mnew = fmaxf(m[r], mx[r]);
            mref[r] = mnew == -CUDART_INF_F ? 0.0f : mnew;   // nothing seen yet: every p is 2^-inf = 0
            float corr = exp2f(m[r] - mref[r]);                // m = -inf: 0 (l and o are still 0)
            l[r] *= corr;
            m[r] = mnew;
#pragma unroll
            for (int n = 0; n < NT; n++) {
                o[n][2 * r] *= corr;
                o[n][2 * r + 1] *= corr;
            }
        }
#pragma unroll
        for (int n = 0; n < NS; n++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float p = exp2f(s[n][e] - mref[e >> 1]);
                s[n][e] = p;
                sum[e >> 1] += p;
            }
        }
        l[0] += sum[0];                    // this lane's columns only; the quad is summed at the end
        l[1] += sum[1];
        // o += P · V: P from the score accumulators (two 8-key tiles make one 16-key A fragment)
#pragma unroll
        for (int kk = 0; kk < KT / 16; kk++) {
            unsigned a[4] = {pack_half2(s[2 * kk][0], s[2 * kk][1]), pack_half2(s[2 * kk][2], s[2 * kk][3]),
                             pack_half2(s[2 * kk + 1][0], s[2 * kk + 1][1]), pack_half2(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
            for (int n = 0; n < NT; n++) {
                if (n * 8 >= dp) break;
                const __half* vr = Vs + (kk * 16 + c2) * kstr + n * 8 + g;   // keys c2, c2+1 (b0), c2+8, c2+9 (b1); channel g
                mma_16816(o[n], a, pair_rows(vr, kstr), pair_rows(vr + 8 * kstr, kstr));
            }
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
        int t = r == 0 ? ta : tb;
        if (t >= T) continue;
        float inv = 1.0f / l[r];
        float* orow = out + (((size_t)b * T + t) * H + h) * dh;
#pragma unroll
        for (int n = 0; n < NT; n++) {
            int c = n * 8 + c2;
            if (c < dh) {
                orow[c] = o[n][2 * r] * inv;
                orow[c + 1] = o[n][2 * r + 1] * inv;
            }
        }
    }
}

// Dh <= 128: 64 queries (4 warps) by 64 keys per tile. The arguments are kernel1's; kt is unused (the tile is 64).
extern "C" __global__ void __launch_bounds__(128) attention_prefill_kernel2(float* __restrict__ out, const float* __restrict__ q,
                                                     const float* __restrict__ kc, const float* __restrict__ vc,
                                                     const float* __restrict__ kn, const float* __restrict__ vn,
                                                     const int* __restrict__ positions, int T, int H, int Hkv, int dh,
                                                     int L, int window, int kt, float scale) {
    prefill2<16, 64, 4, 8>(out, q, kc, vc, kn, vn, positions, T, H, Hkv, dh, L, window, scale);
}

// 128 < Dh <= 256: 64 queries (4 warps) by 32 keys per tile (the output accumulators take 128 registers).
extern "C" __global__ void __launch_bounds__(128) attention_prefill_kernel2_wide(float* __restrict__ out, const float* __restrict__ q,
                                                     const float* __restrict__ kc, const float* __restrict__ vc,
                                                     const float* __restrict__ kn, const float* __restrict__ vn,
                                                     const int* __restrict__ positions, int T, int H, int Hkv, int dh,
                                                     int L, int window, int kt, float scale) {
    prefill2<32, 32, 4, 4>(out, q, kc, vc, kn, vn, positions, T, H, Hkv, dh, L, window, scale);
}

extern "C" __global__ void attention_decode_kernel1(float* __restrict__ opart, float* __restrict__ mpart, float* __restrict__ lpart,
                                                    const float* __restrict__ q,
                                                    const float* __restrict__ kc, const float* __restrict__ vc,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int H, int Hkv, int dh,
                                                    int L, int window, int kt, float scale, int splits) {
    extern __shared__ float smem[];
    int warps = blockDim.x >> 5, qt = warps * NQ;
    float* Qs = smem;
    float* Ks = Qs + qt * dh;
    float* Vs = Ks + kt * (dh + 1);
    int G = H / Hkv, chunks = (G + qt - 1) / qt;
    int b = blockIdx.z, s = blockIdx.x, kvh = blockIdx.y / chunks, g0 = (blockIdx.y % chunks) * qt;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int pos = positions[b], past = past_rows(pos, window, L), kp0 = pos - past, n = past + 1;
    // this split's keys: [lo, hi), a multiple of KT long, from the count read on the device
    int per = (n + splits - 1) / splits;
    per = (per + kt - 1) / kt * kt;
    int lo = min(n, s * per), hi = min(n, lo + per);
    for (int e = threadIdx.x; e < qt * dh; e += blockDim.x) {
        int r = e / dh, i = e % dh, g = g0 + r;
        Qs[e] = g < G ? q[((size_t)b * H + kvh * G + g) * dh + i] * scale : 0.0f;
    }
    float m[NQ], l[NQ], o[NQ][MAXC];
    int qpos[NQ];
#pragma unroll
    for (int qi = 0; qi < NQ; qi++) {
        qpos[qi] = g0 + warp * NQ + qi < G ? pos : -1;
        m[qi] = -CUDART_INF_F;
        l[qi] = 0.0f;
#pragma unroll
        for (int c = 0; c < MAXC; c++) o[qi][c] = 0.0f;
    }
    const float* Qw = Qs + warp * NQ * dh;
    for (int j0 = lo; j0 < hi; j0 += kt) {
        int cnt = min(kt, hi - j0);
        __syncthreads();
        load_tile(Ks, Vs, kc, vc, kn, vn, b, kvh, Hkv, dh, L, 1, past, j0, cnt, kt);
        __syncthreads();
        attend_tile(m, l, o, Qw, qpos, Ks, Vs, dh, cnt, kp0 + j0, window);
    }
#pragma unroll
    for (int qi = 0; qi < NQ; qi++) {
        if (qpos[qi] < 0) continue;
        int h = kvh * G + g0 + warp * NQ + qi;
        size_t ps = ((size_t)b * H + h) * splits + s;
        float* orow = opart + ps * dh;
#pragma unroll
        for (int c = 0; c < MAXC; c++) {
            int i = lane + 32 * c;
            if (i < dh) orow[i] = o[qi][c];
        }
        if (lane == 0) {
            mpart[ps] = m[qi];
            lpart[ps] = l[qi];
        }
    }
}

extern "C" __global__ void attention_combine_kernel1(float* __restrict__ out, const float* __restrict__ opart,
                                                     const float* __restrict__ mpart, const float* __restrict__ lpart,
                                                     int H, int dh, int splits) {
    __shared__ float weight[MAX_SPLITS];   // e^(m_s - M) / Σ_s l_s e^(m_s - M)
    int b = blockIdx.y, h = blockIdx.x;
    size_t base = ((size_t)b * H + h) * splits;
    if (threadIdx.x < 32) {
        int lane = threadIdx.x;
        float M = -CUDART_INF_F;
        for (int s = lane; s < splits; s += 32) M = fmaxf(M, mpart[base + s]);
        M = warp_max(M);
        float den = 0.0f;
        for (int s = lane; s < splits; s += 32) {
            float ms = mpart[base + s];
            float e = ms == -CUDART_INF_F ? 0.0f : expf(ms - M);
            weight[s] = e;
            den += lpart[base + s] * e;
        }
        den = warp_sum(den);
        float inv = 1.0f / den;
        for (int s = lane; s < splits; s += 32) weight[s] *= inv;
    }
    __syncthreads();
    for (int i = threadIdx.x; i < dh; i += blockDim.x) {
        // 8 independent loads and sums in flight (one dependent chain over 131 splits was latency-bound)
        float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        int s = 0;
        for (; s + 8 <= splits; s += 8) {
#pragma unroll
            for (int u = 0; u < 8; u++) acc[u] += opart[(base + s + u) * dh + i] * weight[s + u];
        }
        for (; s < splits; s++) acc[0] += opart[(base + s) * dh + i] * weight[s];
        out[((size_t)b * H + h) * dh + i] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}

extern "C" __global__ void attention_append_kernel1(float* __restrict__ kc, float* __restrict__ vc,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int T, int Hkv, int dh, int L) {
    int t = blockIdx.x, kvh = blockIdx.y, b = blockIdx.z;
    int row = positions[b] + t;
    if (row < 0 || row >= L) return;
    size_t dst = (((size_t)b * Hkv + kvh) * L + row) * dh, src = (((size_t)b * T + t) * Hkv + kvh) * dh;
    for (int i = threadIdx.x; i < dh; i += blockDim.x) {
        kc[dst + i] = kn[src + i];
        vc[dst + i] = vn[src + i];
    }
}

extern "C" __global__ void attention_window_kernel1(float* __restrict__ kc, float* __restrict__ vc,
                                                    const float* __restrict__ ko, const float* __restrict__ vo,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int T, int Hkv, int dh, int W) {
    int r = blockIdx.x, kvh = blockIdx.y, b = blockIdx.z;
    int pos = positions[b], past = pos < W ? pos : W, n = past + T, m = n < W ? n : W;
    if (r >= m) return;
    int j = n - m + r;
    size_t dst = (((size_t)b * Hkv + kvh) * W + r) * dh;
    const float* ks = j < past ? ko : kn;
    const float* vs = j < past ? vo : vn;
    size_t src = j < past ? (((size_t)b * Hkv + kvh) * W + j) * dh : (((size_t)b * T + (j - past)) * Hkv + kvh) * dh;
    for (int i = threadIdx.x; i < dh; i += blockDim.x) {
        kc[dst + i] = ks[src + i];
        vc[dst + i] = vs[src + i];
    }
}

// ---- attention_decode_kernel2 ----------------------------------------------------------------------------------
// Version 2 of the decode attention (kernel1 is its reference; same partial outputs for attention_combine_kernel1).
// Grid (S, Hkv·ceil(G / DQ), B), block 128 = 4 warps. The block's split [lo, hi) of the visible virtual keys is
// walked by its 4 warps in turns of U keys (warp w takes keys lo + (4i + w)·U ..); each lane holds NC float4 of
// the DQ queries (q·scale) and of their unnormalised outputs, so a key row is one coalesced 16-byte load per
// lane and every query head of the group is served by the same load. The U rows of K and V of a turn are all
// loaded before any is used. Scores: per-lane partial dot, then a butterfly sum (every lane gets the score);
// online softmax once per turn. The 4 warps' (m, l, o) are merged through shared memory at the end.
// Requires Dh % 4 == 0 (16-byte rows) and Dh <= 128·NC.
#define DQ 8   // query heads per block

template <int NC, int U>
__device__ __forceinline__ void decode2(float* __restrict__ opart, float* __restrict__ mpart, float* __restrict__ lpart,
                                        const float* __restrict__ q,
                                        const float* __restrict__ kc, const float* __restrict__ vc,
                                        const float* __restrict__ kn, const float* __restrict__ vn,
                                        const int* __restrict__ positions, int H, int Hkv, int dh,
                                        int L, int window, float scale, int splits) {
    __shared__ float4 os[4][DQ][32 * NC];
    __shared__ float ms[4][DQ], ls[4][DQ];
    int G = H / Hkv, chunks = (G + DQ - 1) / DQ;
    int b = blockIdx.z, s = blockIdx.x, kvh = blockIdx.y / chunks, g0 = (blockIdx.y % chunks) * DQ;
    int ng = min(DQ, G - g0);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nd4 = dh >> 2;
    int pos = positions[b], past = past_rows(pos, window, L), n = past + 1;
    // visible virtual rows [first, n): with a window, key position pos - past + j > pos - W
    int first = window > 0 ? max(0, n - window) : 0, cnt = n - first;
    int per = (cnt + splits - 1) / splits;
    int lo = first + min(cnt, s * per), hi = first + min(cnt, (s + 1) * per);
    const float4* kb = reinterpret_cast<const float4*>(kc + ((size_t)b * Hkv + kvh) * L * dh);
    const float4* vb = reinterpret_cast<const float4*>(vc + ((size_t)b * Hkv + kvh) * L * dh);
    const float4* knb = reinterpret_cast<const float4*>(kn + ((size_t)b * Hkv + kvh) * dh);
    const float4* vnb = reinterpret_cast<const float4*>(vn + ((size_t)b * Hkv + kvh) * dh);

    float4 qr[DQ][NC], o[DQ][NC];
    float m[DQ], l[DQ];
#pragma unroll
    for (int g = 0; g < DQ; g++) {
        m[g] = -CUDART_INF_F;
        l[g] = 0.0f;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int i = lane + 32 * c;
            float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (g < ng && i < nd4) {
                v = reinterpret_cast<const float4*>(q + ((size_t)b * H + kvh * G + g0 + g) * dh)[i];
                v.x *= scale; v.y *= scale; v.z *= scale; v.w *= scale;
            }
            qr[g][c] = v;
            o[g][c] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        }
    }
    for (int j0 = lo + warp * U; j0 < hi; j0 += 4 * U) {
        float4 kr[U][NC], vr[U][NC];
#pragma unroll
        for (int u = 0; u < U; u++) {
            int j = j0 + u;
            const float4* kp = j < past ? kb + (size_t)j * nd4 : knb;
            const float4* vp = j < past ? vb + (size_t)j * nd4 : vnb;
#pragma unroll
            for (int c = 0; c < NC; c++) {
                int i = lane + 32 * c;
                bool ok = j < hi && i < nd4;
                kr[u][c] = ok ? __ldg(kp + i) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
                vr[u][c] = ok ? __ldg(vp + i) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            }
        }
#pragma unroll
        for (int g = 0; g < DQ; g++) {
            if (g >= ng) break;                 // uniform over the block
            float sc[U];
#pragma unroll
            for (int u = 0; u < U; u++) {
                float d = 0.0f;
#pragma unroll
                for (int c = 0; c < NC; c++) {
                    float4 a = qr[g][c], k = kr[u][c];
                    d += a.x * k.x + a.y * k.y + a.z * k.z + a.w * k.w;
                }
                sc[u] = d;
            }
#pragma unroll
            for (int u = 0; u < U; u++) sc[u] = warp_sum(sc[u]);
            float mx = m[g];
#pragma unroll
            for (int u = 0; u < U; u++) if (j0 + u < hi) mx = fmaxf(mx, sc[u]);   // finite: key j0 < hi
            float corr = m[g] == -CUDART_INF_F ? 0.0f : expf(m[g] - mx), ps = 0.0f;
            float p[U];
#pragma unroll
            for (int u = 0; u < U; u++) {
                p[u] = j0 + u < hi ? expf(sc[u] - mx) : 0.0f;
                ps += p[u];
            }
            l[g] = l[g] * corr + ps;
            m[g] = mx;
#pragma unroll
            for (int c = 0; c < NC; c++) {
                float4 a = o[g][c];
                a.x *= corr; a.y *= corr; a.z *= corr; a.w *= corr;
#pragma unroll
                for (int u = 0; u < U; u++) {
                    float4 v = vr[u][c];
                    a.x += p[u] * v.x; a.y += p[u] * v.y; a.z += p[u] * v.z; a.w += p[u] * v.w;
                }
                o[g][c] = a;
            }
        }
    }
    // merge the 4 warps
#pragma unroll
    for (int g = 0; g < DQ; g++) {
        if (g >= ng) break;
        if (lane == 0) {
            ms[warp][g] = m[g];
            ls[warp][g] = l[g];
        }
#pragma unroll
        for (int c = 0; c < NC; c++) os[warp][g][lane + 32 * c] = o[g][c];
    }
    __syncthreads();
    for (int e = threadIdx.x; e < ng * nd4; e += blockDim.x) {
        int g = e / nd4, i = e - g * nd4;
        float M = fmaxf(fmaxf(ms[0][g], ms[1][g]), fmaxf(ms[2][g], ms[3][g]));
        float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        float lsum = 0.0f;
#pragma unroll
        for (int w = 0; w < 4; w++) {
            float e_w = ms[w][g] == -CUDART_INF_F ? 0.0f : expf(ms[w][g] - M);
            float4 v = os[w][g][i];
            acc.x += e_w * v.x; acc.y += e_w * v.y; acc.z += e_w * v.z; acc.w += e_w * v.w;
            lsum += e_w * ls[w][g];
        }
        int h = kvh * G + g0 + g;
        size_t ps = ((size_t)b * H + h) * splits + s;
        reinterpret_cast<float4*>(opart + ps * dh)[i] = acc;
        if (i == 0) {
            mpart[ps] = M;
            lpart[ps] = lsum;
        }
    }
}

extern "C" __global__ void __launch_bounds__(128) attention_decode_kernel2(float* __restrict__ opart, float* __restrict__ mpart, float* __restrict__ lpart,
                                                    const float* __restrict__ q,
                                                    const float* __restrict__ kc, const float* __restrict__ vc,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int H, int Hkv, int dh,
                                                    int L, int window, float scale, int splits) {
    decode2<1, 4>(opart, mpart, lpart, q, kc, vc, kn, vn, positions, H, Hkv, dh, L, window, scale, splits);
}

// 128 < Dh <= 256: two float4 per lane, 2 keys per turn (registers).
extern "C" __global__ void __launch_bounds__(128) attention_decode_kernel2_wide(float* __restrict__ opart, float* __restrict__ mpart, float* __restrict__ lpart,
                                                    const float* __restrict__ q,
                                                    const float* __restrict__ kc, const float* __restrict__ vc,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int H, int Hkv, int dh,
                                                    int L, int window, float scale, int splits) {
    decode2<2, 2>(opart, mpart, lpart, q, kc, vc, kn, vn, positions, H, Hkv, dh, L, window, scale, splits);
}

// ---- attention_decode_kernel3 ----------------------------------------------------------------------------------
// Version 3 of the decode attention (kernel1 is its reference; the same partial outputs for attention_combine_kernel1)
// on tensor cores, as the prefill's kernel2: the query heads of one KV group are the 16 rows of an mma.m16n8k16 tile
// (G <= 16 per block; padding rows have q = 0 and are not written), so a key tile is read once for the whole group
// and the scores and P·V cost 16 + NT mma per 16 keys instead of a butterfly sum per key and head.
// Grid (S, Hkv·ceil(G / 16), B), block 128 = 4 warps; the block's split [lo, hi) of the visible virtual keys is
// staged in tiles of 64 keys (fp32 loads, 16 bytes a lane, DEC3_U of K and of V in flight per thread) into shared
// memory as fp16, K and V row-major [64][DEC3_KSTR]; warp w scores keys 16w .. 16w + 15 of each tile and keeps its own
// online softmax (scores in log2 units); the 4 warps are merged through shared memory at the end, m written in
// natural-log units as kernels 1 and 2 write it. Dh <= 128 and Dh % 4 == 0 (16-byte rows; AttentionCuda picks it).
#define DEC3_KT 64
#define DEC3_KSTR 136   // halves per staged row: 128 + 8, conflict-free fragment loads for any Dh <= 128
#define DEC3_U 4        // float4 of K and of V per thread in flight while staging

extern "C" __global__ void __launch_bounds__(128, 3) attention_decode_kernel3(float* __restrict__ opart, float* __restrict__ mpart, float* __restrict__ lpart,
                                                    const float* __restrict__ q,
                                                    const float* __restrict__ kc, const float* __restrict__ vc,
                                                    const float* __restrict__ kn, const float* __restrict__ vn,
                                                    const int* __restrict__ positions, int H, int Hkv, int dh,
                                                    int L, int window, float scale, int splits) {
    constexpr int NT = 16, KQ = NT / 2;    // Dh <= 128: 16 tiles of 8 output channels, 8 k-steps of 16
    __shared__ __align__(16) __half kvs[2 * DEC3_KT * DEC3_KSTR];
    __shared__ float ms[4][16], ls[4][16];
    __half* Ks = kvs;
    __half* Vs = kvs + DEC3_KT * DEC3_KSTR;
    int G = H / Hkv, chunks = (G + 15) / 16;
    int b = blockIdx.z, s = blockIdx.x, kvh = blockIdx.y / chunks, g0 = (blockIdx.y % chunks) * 16;
    int ng = min(16, G - g0);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, c2 = (lane & 3) * 2;
    int dp = (dh + 15) & ~15, nd4 = dh >> 2;
    int pos = positions[b], past = past_rows(pos, window, L), n = past + 1;
    // visible virtual rows [first, n) (with a window: key position pos - past + j > pos - W); this split's [lo, hi)
    int first = window > 0 ? max(0, n - window) : 0, cnt = n - first;
    int per = (cnt + splits - 1) / splits;
    int lo = first + min(cnt, s * per), hi = first + min(cnt, (s + 1) * per);
    const float* kb = kc + ((size_t)b * Hkv + kvh) * L * dh;
    const float* vb = vc + ((size_t)b * Hkv + kvh) * L * dh;
    const float* knb = kn + ((size_t)b * Hkv + kvh) * dh;
    const float* vnb = vn + ((size_t)b * Hkv + kvh) * dh;

    // channels [Dh, DP) of K and V stay zero (the staging writes channels < Dh only)
    for (int e = threadIdx.x; e < DEC3_KT * (dp - dh); e += blockDim.x) {
        int r = e / (dp - dh), c = dh + e % (dp - dh);
        Ks[r * DEC3_KSTR + c] = __float2half_rn(0.0f);
        Vs[r * DEC3_KSTR + c] = __float2half_rn(0.0f);
    }
    // this lane's query rows: heads g0 + g (fragment row g) and g0 + g + 8
    float qscale = scale * 1.4426950408889634f;   // scores in log2 units: p = 2^(s - m)
    unsigned qf[KQ][4];
    {
        bool va = g < ng, vb8 = g + 8 < ng;
        const float* ra = q + ((size_t)b * H + kvh * G + g0 + (va ? g : 0)) * dh;
        const float* rb = q + ((size_t)b * H + kvh * G + g0 + (vb8 ? g + 8 : 0)) * dh;
#pragma unroll
        for (int kk = 0; kk < KQ; kk++) {
            int c = kk * 16 + c2;
            qf[kk][0] = load_q2(ra, va, c, dh, qscale);
            qf[kk][1] = load_q2(rb, vb8, c, dh, qscale);
            qf[kk][2] = load_q2(ra, va, c + 8, dh, qscale);
            qf[kk][3] = load_q2(rb, vb8, c + 8, dh, qscale);
        }
    }
    float o[NT][4], m[2] = {-CUDART_INF_F, -CUDART_INF_F}, l[2] = {0.0f, 0.0f};
#pragma unroll
    for (int t = 0; t < NT; t++) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.0f;

    for (int j0 = lo; j0 < hi; j0 += DEC3_KT) {
        int rows = min(DEC3_KT, hi - j0);
        __syncthreads();                   // the previous tile is no longer read
        for (int base = threadIdx.x; base < DEC3_KT * nd4; base += DEC3_U * blockDim.x) {
            float4 kv4[DEC3_U], vv4[DEC3_U];
#pragma unroll
            for (int u = 0; u < DEC3_U; u++) {
                int e = base + u * blockDim.x, r = e / nd4, c4 = e - r * nd4, j = j0 + r;
                kv4[u] = vv4[u] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
                if (e < DEC3_KT * nd4 && r < rows) {
                    const float* kp = j < past ? kb + (size_t)j * dh : knb;
                    const float* vp = j < past ? vb + (size_t)j * dh : vnb;
                    kv4[u] = __ldg(reinterpret_cast<const float4*>(kp) + c4);
                    vv4[u] = __ldg(reinterpret_cast<const float4*>(vp) + c4);
                }
            }
#pragma unroll
            for (int u = 0; u < DEC3_U; u++) {
                int e = base + u * blockDim.x, r = e / nd4, c4 = e - r * nd4;
                if (e < DEC3_KT * nd4) {
                    uint2 kh = make_uint2(pack_half2(kv4[u].x, kv4[u].y), pack_half2(kv4[u].z, kv4[u].w));
                    uint2 vh = make_uint2(pack_half2(vv4[u].x, vv4[u].y), pack_half2(vv4[u].z, vv4[u].w));
                    *reinterpret_cast<uint2*>(Ks + r * DEC3_KSTR + 4 * c4) = kh;
                    *reinterpret_cast<uint2*>(Vs + r * DEC3_KSTR + 4 * c4) = vh;
                }
            }
        }
        __syncthreads();
        int kw = warp * 16;                // this warp's keys of the tile
        if (kw >= rows) continue;          // warp-uniform
        float sc[2][4];
#pragma unroll
        for (int t = 0; t < 2; t++) sc[t][0] = sc[t][1] = sc[t][2] = sc[t][3] = 0.0f;
#pragma unroll
        for (int kk = 0; kk < KQ; kk++) {
            if (kk * 16 >= dp) break;
#pragma unroll
            for (int t = 0; t < 2; t++) {
                const __half* kr = Ks + (kw + t * 8 + g) * DEC3_KSTR + kk * 16 + c2;
                mma_16816(sc[t], qf[kk], *reinterpret_cast<const unsigned*>(kr), *reinterpret_cast<const unsigned*>(kr + 8));
            }
        }
        float mx[2] = {-CUDART_INF_F, -CUDART_INF_F};
#pragma unroll
        for (int t = 0; t < 2; t++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int r = kw + t * 8 + c2 + (e & 1);
                sc[t][e] = r < rows ? sc[t][e] : -CUDART_INF_F;
                mx[e >> 1] = fmaxf(mx[e >> 1], sc[t][e]);
            }
        }
        float mref[2], sum[2] = {0.0f, 0.0f};
#pragma unroll
        for (int r = 0; r < 2; r++) {
            // the 4 lanes of a quad hold one row; key kw < rows is seen by every row, so mx is finite
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
            mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
            float mnew = fmaxf(m[r], mx[r]);
            mref[r] = mnew;
            float corr = exp2f(m[r] - mnew);   // m = -inf: 0 (l and o are still 0)
            l[r] *= corr;
            m[r] = mnew;
#pragma unroll
            for (int t = 0; t < NT; t++) {
                o[t][2 * r] *= corr;
                o[t][2 * r + 1] *= corr;
            }
        }
#pragma unroll
        for (int t = 0; t < 2; t++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float p = exp2f(sc[t][e] - mref[e >> 1]);
                sc[t][e] = p;
                sum[e >> 1] += p;
            }
        }
        l[0] += sum[0];                    // this lane's keys only; the quad is summed at the end
        l[1] += sum[1];
        // o += P · V over the warp's 16 keys: P from the score accumulators (two 8-key tiles make the A fragment)
        unsigned a[4] = {pack_half2(sc[0][0], sc[0][1]), pack_half2(sc[0][2], sc[0][3]),
                         pack_half2(sc[1][0], sc[1][1]), pack_half2(sc[1][2], sc[1][3])};
#pragma unroll
        for (int t = 0; t < NT; t++) {
            if (t * 8 >= dp) break;
            const __half* vr = Vs + (kw + c2) * DEC3_KSTR + t * 8 + g;   // keys c2, c2+1 (b0), c2+8, c2+9 (b1); channel g
            mma_16816(o[t], a, pair_rows(vr, DEC3_KSTR), pair_rows(vr + 8 * DEC3_KSTR, DEC3_KSTR));
        }
    }
    // merge the 4 warps: each one's o [16][DP] in fp32 over the staging buffer (32 KiB of its 34)
#pragma unroll
    for (int r = 0; r < 2; r++) {
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
    }
    __syncthreads();                       // every warp is done with the last tile
    float* os = reinterpret_cast<float*>(kvs);
#pragma unroll
    for (int t = 0; t < NT; t++) {
        int c = t * 8 + c2;
        if (c < dp) {
            float* ra = os + (warp * 16 + g) * 128 + c;
            float* rb = ra + 8 * 128;
            ra[0] = o[t][0]; ra[1] = o[t][1];
            rb[0] = o[t][2]; rb[1] = o[t][3];
        }
    }
    if ((lane & 3) == 0) {
        ms[warp][g] = m[0]; ms[warp][g + 8] = m[1];
        ls[warp][g] = l[0]; ls[warp][g + 8] = l[1];
    }
    __syncthreads();
    for (int e = threadIdx.x; e < ng * dh; e += blockDim.x) {
        int r = e / dh, i = e - r * dh;
        float M = fmaxf(fmaxf(ms[0][r], ms[1][r]), fmaxf(ms[2][r], ms[3][r]));
        float acc = 0.0f, lsum = 0.0f;
#pragma unroll
        for (int w = 0; w < 4; w++) {
            float e_w = ms[w][r] == -CUDART_INF_F ? 0.0f : exp2f(ms[w][r] - M);
            acc += e_w * os[(w * 16 + r) * 128 + i];
            lsum += e_w * ls[w][r];
        }
        size_t ps = ((size_t)b * H + kvh * G + g0 + r) * splits + s;
        opart[ps * dh + i] = acc;
        if (i == 0) {
            mpart[ps] = M * 0.6931471805599453f;   // natural-log units, as kernels 1 and 2 (-inf stays -inf)
            lpart[ps] = lsum;
        }
    }
}
