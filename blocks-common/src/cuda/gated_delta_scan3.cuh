/*
gated_delta_scan3.cuh: version 3 of the scans across chunks (gated_delta_rule.cuh's version-2 header states the math:
u = U - W S0, o = Qd S0 + Aqk u, S = dec S0 + Kd^T u per chunk of 64 tokens; gated_delta_grad.cuh's the state
gradient's), their products on tensor cores (mma.sync m16n8k8 in 3xTF32, tile64.cuh's precision: fp32-level products,
fp32 state and accumulation).

Why: version 2 does these products with scalar FMAs whose operands come from shared memory; ncu on an H200 showed it
shared-memory bound (L1/MIO 70%, 34% of its stalls waiting on shared-memory loads): each FMA needs an operand
loaded. One mma.sync m16n8k8 does 1024 multiply-adds from six registers per lane.

Forward, per block: one (slice of GDR3_BV = 32 state columns, head, batch), 8 warps, the chunks in order. Warp w owns
rows 16 (w % 4) .. +15 and columns 16 (w / 4) .. +15 of the chunk's [64, 32] products (u, o), and the state tiles
[16 (w % 4 + 4 r) .. +15, same columns], r = 0, 1, as mma accumulators held in registers across chunks; the state also
goes to shared memory after each chunk, as the B operand of the next chunk's W S0 and Qd S0.
Operands stream through shared memory by cp.async in two groups per chunk, each loaded while the other is used:
  group A: W^T, Qd^T [Dk, 64]           (u and the Qd S0 part of o; U itself is read into registers)
  group B: Aqk^T [64, 64], Kd^T [Dk, 64] (the rest of o, and the state update)
Tiles are stored unpadded, their 16-byte groups XOR-swizzled so that fragment loads hit 32 distinct banks.
Needs Dk <= GDR3_MAX_DK; dynamic shared memory gdr3_smem_bytes(dk) (108 KB at Dk 96: two blocks per SM).
  gdr_prefill_kernel3       as gdr_prefill_kernel2 (same arguments); grid (ceil(Dv/32), H, B), block 256.
  gdr_grad_forward_kernel3  as gdr_grad_forward_kernel2: also the state entering every chunk (ckpt) and u.
  gdr_grad_state_kernel3    as gdr_grad_state_kernel2, 64 columns per block (its comment below).
Version 2 stays the reference (gated_delta_rule_test.cu: the version-3 kernels against kernel1, version 2 and the CPU
twin).
Measured on an H200 (gated_delta_rule_test.cu, medians; H 12, Dk 96, Dv 256), version 2 -> 3:
  prefill scan, B 1 x 4096                 0.661 -> 0.397 ms   (gdr_prefill_kernel2 -> gdr_prefill_kernel3)
  prefill scan, B 8 x 2048                 1.654 -> 0.954 ms   (gdr_prefill_wide_kernel2 -> gdr_prefill_kernel3)
  training forward, B 8 x 2048             1.830 -> 1.155 ms
  state gradient, B 8 x 2048               2.640 -> 1.234 ms
*/
#pragma once
#include "tile64.cuh"

#define GDR3_BV 32
#define GDR3_MAX_DK 128

// Dk rounded up to whole 16-row mma tiles; rows past Dk are zeros
__host__ __device__ __forceinline__ int gdr3_dkp(int dk) { return (dk + 15) & ~15; }
// W^T, Qd^T, Kd^T [DKP, 64], Aqk^T [64, 64], the state slice [DKP, BV], u [64, BV]
__host__ __device__ __forceinline__ int gdr3_smem_bytes(int dk, int bv = GDR3_BV) {
    return 4 * (3 * gdr3_dkp(dk) * 64 + 4096 + gdr3_dkp(dk) * bv + 64 * bv);
}

// Offsets into a [rows, 64] tile. k-major tiles (row = the product's k index, column = its m index: the forward's W^T,
// Qd^T, Aqk^T) swizzle by row % 4, m-major ones (row = m, column = k: the forward's Kd^T) by row % 8; each keeps 16-byte
// groups whole.
__device__ __forceinline__ int gdr3_kmaj(int r, int c) { return r * 64 + (c ^ ((r & 3) << 3)); }
__device__ __forceinline__ int gdr3_mmaj(int r, int c) { return r * 64 + (c ^ ((r & 7) << 2)); }

// 16 bytes global -> shared, zeros instead where !ok (src is not read then)
__device__ __forceinline__ void gdr3_cp16(float* dst, const float* src, bool ok) {
    const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(d), "l"(src), "r"(ok ? 16 : 0));
}
__device__ __forceinline__ void gdr3_commit() { asm volatile("cp.async.commit_group;"); }
template <int N> __device__ __forceinline__ void gdr3_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N)); }

// rows [0, rows) of a [rows, 64] global tile at src into the swizzled shared tile dst; rows >= valid become zeros
template <bool KMAJ>
__device__ __forceinline__ void gdr3_load(float* dst, const float* __restrict__ src, int rows, int valid) {
    for (int e = threadIdx.x; e < rows * 16; e += blockDim.x) {
        const int r = e >> 4, c = (e & 15) << 2;
        const bool ok = r < valid;
        gdr3_cp16(dst + (KMAJ ? gdr3_kmaj(r, c) : gdr3_mmaj(r, c)), ok ? src + r * 64 + c : src, ok);
    }
}

// Fragments, split into tf32 hi and lo, from per-thread offsets computed once (gdr3_scan): with k0 a multiple of 8 the
// swizzles depend on the lane only, so each k step costs one base address and four loads.
// A (rows m.., k0..) of a k-major tile: oa0, oa1 = gdr3_kmaj(cq, m + g), gdr3_kmaj(cq, m + g + 8)
__device__ __forceinline__ void gdr3_frag_a_kmaj(unsigned (&hi)[4], unsigned (&lo)[4], const float* t, int k0, int oa0, int oa1) {
    const float* p = t + k0 * 64;
    tile64_split(p[oa0], hi[0], lo[0]);
    tile64_split(p[oa1], hi[1], lo[1]);
    tile64_split(p[oa0 + 256], hi[2], lo[2]); // rows k0 + cq + 4: the same swizzle
    tile64_split(p[oa1 + 256], hi[3], lo[3]);
}
// A (rows m.., k0..) of an m-major tile, m a multiple of 16: om = (m + g) * 64, z = cq | g << 2 (the row swizzle g << 2)
__device__ __forceinline__ void gdr3_frag_a_mmaj(unsigned (&hi)[4], unsigned (&lo)[4], const float* t, int k0, int om, int z) {
    const float* p = t + om;
    const int c = k0 ^ z; // (k0 + cq) ^ (g << 2)
    tile64_split(p[c], hi[0], lo[0]);
    tile64_split(p[512 + c], hi[1], lo[1]);   // row + 8: the same swizzle
    tile64_split(p[c ^ 4], hi[2], lo[2]);     // column + 4
    tile64_split(p[512 + (c ^ 4)], hi[3], lo[3]);
}
// element (r, c) of a [rows, BV] matrix (the state slice, u), swizzled by row % 4 like the k-major tiles
template <int BV> __device__ __forceinline__ int gdr3_sidx(int r, int c) { return r * BV + (c ^ ((r & 3) << 3)); }
// B (k0.., columns n..) of such a matrix: ob = gdr3_sidx<BV>(cq, n + g)
template <int BV>
__device__ __forceinline__ void gdr3_frag_b(unsigned (&hi)[2], unsigned (&lo)[2], const float* t, int k0, int ob) {
    const float* p = t + k0 * BV + ob;
    tile64_split(p[0], hi[0], lo[0]);
    tile64_split(p[4 * BV], hi[1], lo[1]);
}
// acc += a b in 3xTF32 (the small terms first, as tile64_mma)
__device__ __forceinline__ void gdr3_mma3(float (&acc)[4], const unsigned (&ah)[4], const unsigned (&al)[4],
                                          const unsigned (&bh)[2], const unsigned (&bl)[2]) {
    tile64_mma_tf32(acc, al, bh);
    tile64_mma_tf32(acc, ah, bl);
    tile64_mma_tf32(acc, ah, bh);
}

// The chunk work buffer's parts (gdr_chunk_kernel2's layout) for n chunks
struct gdr3_work {
    const float *WT, *QT, *KT, *AT, *UT, *dec;
    __device__ gdr3_work(const float* work, long long n, int dk, int dv)
        : WT(work), QT(work + n * dk * 64), KT(work + 2 * n * dk * 64), AT(work + 3 * n * dk * 64),
          UT(work + 3 * n * dk * 64 + n * 4096), dec(work + 3 * n * dk * 64 + n * 4096 + n * dv * 64) {}
};

// The warp's state (or state-gradient) tiles st[r][p] (rows m0 + 64 r.., columns n0 + 8 p.., the C fragment layout):
// scaled by the chunk's decay, and stored into the shared [dkp, BV] copy
__device__ __forceinline__ void gdr3_tiles_scale(float (&st)[2][2][4], float decay) {
#pragma unroll
    for (int r = 0; r < 2; r++)
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) st[r][p][q] *= decay;
}
template <int BV>
__device__ __forceinline__ void gdr3_tiles_store(float* Ss, const float (&st)[2][2][4], int m0, int n0, int dkp) {
    const int g = (threadIdx.x & 31) >> 2, cq = threadIdx.x & 3;
#pragma unroll
    for (int r = 0; r < 2; r++)
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int i = m0 + 64 * r + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                if (i < dkp) Ss[gdr3_sidx<BV>(i, j)] = st[r][p][q];
            }
}

template <int BV>
__device__ __forceinline__ void gdr3_scan(float* smem, float* __restrict__ state, float* __restrict__ o,
                                          const float* __restrict__ work, int tokens, int heads, int dk, int dv,
                                          float* __restrict__ ckpt, float* __restrict__ u_out) {
    const int dkp = gdr3_dkp(dk), dk8 = (dk + 7) & ~7;
    float* Ws = smem;          // W^T   [dkp, 64] k-major
    float* Qs = Ws + dkp * 64; // Qd^T  [dkp, 64] k-major
    float* As = Qs + dkp * 64; // Aqk^T [64, 64]  k-major
    float* Ks = As + 4096;     // Kd^T  [dkp, 64] m-major
    float* Ss = Ks + dkp * 64; // state slice [dkp, BV]
    float* us = Ss + dkp * BV; // u [64, BV]
    const int tid = threadIdx.x, h = blockIdx.y, bi = blockIdx.z, jbase = blockIdx.x * BV;
    const int warp = tid >> 5, g = (tid & 31) >> 2, cq = tid & 3;
    const int m0 = 16 * (warp & 3), n0 = 16 * (warp >> 2);
    // the lane's fragment offsets (gdr3_frag_*)
    const int oa0 = gdr3_kmaj(cq, m0 + g), oa1 = gdr3_kmaj(cq, m0 + g + 8), z = cq | (g << 2);
    const int ob[2] = {gdr3_sidx<BV>(cq, n0 + g), gdr3_sidx<BV>(cq, n0 + 8 + g)};
    const int nc = (tokens + GDR2_C - 1) / GDR2_C, jvalid = min(BV, dv - jbase);
    const long long n = (long long)gridDim.z * heads * nc, bh = (long long)bi * heads + h, vd = (long long)heads * dv;
    const gdr3_work wk(work, n, dk, dv);
    float* S = state + bh * dk * dv;
    auto load_a = [&](long long bhc) {
        gdr3_load<true>(Ws, wk.WT + bhc * dk * 64, dkp, dk);
        gdr3_load<true>(Qs, wk.QT + bhc * dk * 64, dkp, dk);
        gdr3_commit();
    };
    auto load_b = [&](long long bhc) {
        gdr3_load<true>(As, wk.AT + bhc * 4096, 64, 64);
        gdr3_load<false>(Ks, wk.KT + bhc * dk * 64, dkp, dk);
        gdr3_commit();
    };
    load_a(bh * nc);
    for (int e = tid; e < dkp * BV; e += blockDim.x) {
        const int i = e / BV, j = e % BV;
        Ss[gdr3_sidx<BV>(i, j)] = (i < dk && j < jvalid) ? S[(long long)i * dv + jbase + j] : 0.f;
    }
    __syncthreads();
    // the warp's state tiles [r][p]: rows 16 (warp % 4 + 4 r), columns n0 + 8 p, in the C fragment layout
    float st[2][2][4];
#pragma unroll
    for (int r = 0; r < 2; r++)
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int i = m0 + 64 * r + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                st[r][p][q] = i < dkp ? Ss[gdr3_sidx<BV>(i, j)] : 0.f;
            }
    for (int c = 0; c < nc; c++) {
        const long long bhc = bh * nc + c, row0 = (long long)bi * tokens + c * GDR2_C;
        const int len = min(GDR2_C, tokens - c * GDR2_C);
        gdr3_wait<0>(); // group A of this chunk
        __syncthreads(); // ... visible to all, the state slice too; group B's tiles are free
        load_b(bhc);
        if (ckpt) { // the state entering the chunk
            float* C = ckpt + bhc * dk * dv;
            for (int e = tid; e < dk * BV; e += blockDim.x) {
                const int i = e / BV, j = e % BV;
                if (j < jvalid) C[(long long)i * dv + jbase + j] = Ss[gdr3_sidx<BV>(i, j)];
            }
        }
        // the warp's U entries (read once, in the u epilogue below), loaded before the products hide their latency
        float uin[2][4];
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = m0 + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                uin[p][q] = j < jvalid ? wk.UT[(bhc * dv + jbase + j) * 64 + t] : 0.f;
            }
        // P = W S0, R = Qd S0: rows m0.., columns n0 + 8p
        float P[2][4] = {}, R[2][4] = {};
        for (int k0 = 0; k0 < dk8; k0 += 8) {
            unsigned wh[4], wl[4], qh[4], ql[4];
            gdr3_frag_a_kmaj(wh, wl, Ws, k0, oa0, oa1);
            gdr3_frag_a_kmaj(qh, ql, Qs, k0, oa0, oa1);
#pragma unroll
            for (int p = 0; p < 2; p++) {
                unsigned bh2[2], bl2[2];
                gdr3_frag_b<BV>(bh2, bl2, Ss, k0, ob[p]);
                gdr3_mma3(P[p], wh, wl, bh2, bl2);
                gdr3_mma3(R[p], qh, ql, bh2, bl2);
            }
        }
        // u = U - P into shared memory (and out, for training)
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = m0 + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                const float u = uin[p][q] - P[p][q];
                us[gdr3_sidx<BV>(t, j)] = u;
                if (u_out && t < len && j < jvalid) u_out[(row0 + t) * vd + (long long)h * dv + jbase + j] = u;
            }
        __syncthreads(); // u visible; group A's tiles and the state slice are free
        if (c + 1 < nc) load_a(bhc + 1);
        else gdr3_commit(); // an empty group keeps the wait counts below uniform
        gdr3_wait<1>();     // group B of this chunk
        __syncthreads();
        // o = R + Aqk u (Aqk[t][s] = 0 for s > t: k steps past the warp's rows are skipped); S = dec S + Kd^T u
        const float decay = wk.dec[bhc];
        gdr3_tiles_scale(st, decay);
#pragma unroll
        for (int k0 = 0; k0 < 64; k0 += 8) {
            unsigned bh2[2][2], bl2[2][2];
#pragma unroll
            for (int p = 0; p < 2; p++) gdr3_frag_b<BV>(bh2[p], bl2[p], us, k0, ob[p]);
            if (k0 < m0 + 16) {
                unsigned ah[4], al[4];
                gdr3_frag_a_kmaj(ah, al, As, k0, oa0, oa1);
#pragma unroll
                for (int p = 0; p < 2; p++) gdr3_mma3(R[p], ah, al, bh2[p], bl2[p]);
            }
#pragma unroll
            for (int r = 0; r < 2; r++) {
                if (m0 + 64 * r >= dk) continue; // a whole tile past Dk (warp-uniform)
                unsigned ah[4], al[4];
                gdr3_frag_a_mmaj(ah, al, Ks, k0, (m0 + 64 * r + g) * 64, z);
#pragma unroll
                for (int p = 0; p < 2; p++) gdr3_mma3(st[r][p], ah, al, bh2[p], bl2[p]);
            }
        }
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = m0 + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                if (t < len && j < jvalid) o[(row0 + t) * vd + (long long)h * dv + jbase + j] = R[p][q];
            }
        gdr3_tiles_store<BV>(Ss, st, m0, n0, dkp);
    }
    gdr3_wait<0>();
    __syncthreads();
    for (int e = tid; e < dk * BV; e += blockDim.x) {
        const int i = e / BV, j = e % BV;
        if (j < jvalid) S[(long long)i * dv + jbase + j] = Ss[gdr3_sidx<BV>(i, j)];
    }
}

extern "C" __global__ void __launch_bounds__(256, 2)
gdr_prefill_kernel3(float* __restrict__ state, float* __restrict__ o, const float* __restrict__ work,
                    int tokens, int heads, int dk, int dv) {
    extern __shared__ __align__(16) float gdr3_smem[];
    gdr3_scan<32>(gdr3_smem, state, o, work, tokens, heads, dk, dv, nullptr, nullptr);
}

extern "C" __global__ void __launch_bounds__(256, 2)
gdr_grad_forward_kernel3(float* __restrict__ state, float* __restrict__ o, float* __restrict__ ckpt, float* __restrict__ u,
                         const float* __restrict__ work, int tokens, int heads, int dk, int dv) {
    extern __shared__ __align__(16) float gdr3_smem[];
    gdr3_scan<32>(gdr3_smem, state, o, work, tokens, heads, dk, dv, ckpt, u);
}

// 4-byte copies global -> shared (rows of dO need not be 16-byte aligned), zeros where !ok
__device__ __forceinline__ void gdr3_cp4(float* dst, const float* src, bool ok) {
    const unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;" ::"r"(d), "l"(src), "r"(ok ? 4 : 0));
}

// The state gradient's scan (gdr_grad_state_kernel2's math, chunks last to first) on tensor cores, per (slice of BV
// state columns, head, batch), BV / 4 warps. dH, the gradient at the chunk's end state, lives as gdr3_scan's state
// does (accumulators across chunks, a shared copy for the B operand):
//   dhs[chunk] = dH;  du = Aqk^T dO + Kd dH;  dH = dec dH + Qd^T dO - W^T du
// Warp w: du rows 16 (w % 4).., columns 16 (w / 4)..; dH tiles as gdr3_scan's state tiles. Operands by cp.async:
//   group A: Aqk^T (read as [t][s]: m-major), Kd^T (k-major), the chunk's dO columns [64, BV] (two buffers: the dH
//            update reads this chunk's after the next chunk's group A is issued)
//   group B: Qd^T, W^T (m-major: their rows are dH's rows)
// u holds -du, so that dH's update is two accumulating products.
template <int BV>
__device__ __forceinline__ void gdr3_state_scan(float* smem, float* __restrict__ dhs, float* __restrict__ du_out,
                                                const float* __restrict__ work, const float* __restrict__ dO,
                                                int tokens, int heads, int dk, int dv) {
    const int dkp = gdr3_dkp(dk), dk8 = (dk + 7) & ~7;
    float* As = smem;            // Aqk^T [64, 64] m-major: row t, column s holds Aqk[s][t]
    float* Ks = As + 4096;       // Kd^T  [dkp, 64] k-major
    float* Qs = Ks + dkp * 64;   // Qd^T  [dkp, 64] m-major
    float* Ws = Qs + dkp * 64;   // W^T   [dkp, 64] m-major
    float* Hs = Ws + dkp * 64;   // dH slice [dkp, BV]
    float* us = Hs + dkp * BV;   // -du [64, BV]
    float* dOs = us + 64 * BV;   // dO [2][64, BV]
    const int tid = threadIdx.x, h = blockIdx.y, bi = blockIdx.z, jbase = blockIdx.x * BV;
    const int warp = tid >> 5, g = (tid & 31) >> 2, cq = tid & 3;
    const int m0 = 16 * (warp & 3), n0 = 16 * (warp >> 2);
    const int oa0 = gdr3_kmaj(cq, m0 + g), oa1 = gdr3_kmaj(cq, m0 + g + 8), z = cq | (g << 2);
    const int ob[2] = {gdr3_sidx<BV>(cq, n0 + g), gdr3_sidx<BV>(cq, n0 + 8 + g)};
    const int nc = (tokens + GDR2_C - 1) / GDR2_C, jvalid = min(BV, dv - jbase);
    const long long n = (long long)gridDim.z * heads * nc, bh = (long long)bi * heads + h, vd = (long long)heads * dv;
    const gdr3_work wk(work, n, dk, dv);
    auto load_a = [&](int c) {
        const long long bhc = bh * nc + c, row0 = (long long)bi * tokens + c * GDR2_C;
        const int len = min(GDR2_C, tokens - c * GDR2_C);
        gdr3_load<false>(As, wk.AT + bhc * 4096, 64, 64);
        gdr3_load<true>(Ks, wk.KT + bhc * dk * 64, dkp, dk);
        float* d = dOs + (c & 1) * 64 * BV;
        for (int e = tid; e < 64 * BV; e += blockDim.x) {
            const int t = e / BV, j = e % BV;
            const bool ok = t < len && j < jvalid;
            const float* src = dO + (row0 + t) * vd + (long long)h * dv + jbase + j;
            gdr3_cp4(d + gdr3_sidx<BV>(t, j), ok ? src : dO, ok);
        }
        gdr3_commit();
    };
    auto load_b = [&](long long bhc) {
        gdr3_load<false>(Qs, wk.QT + bhc * dk * 64, dkp, dk);
        gdr3_load<false>(Ws, wk.WT + bhc * dk * 64, dkp, dk);
        gdr3_commit();
    };
    load_a(nc - 1);
    for (int e = tid; e < dkp * BV; e += blockDim.x) Hs[e] = 0.f;
    float st[2][2][4] = {}; // dH tiles, rows 16 (warp % 4 + 4 r), columns n0 + 8 p
    for (int c = nc - 1; c >= 0; c--) {
        const long long bhc = bh * nc + c, row0 = (long long)bi * tokens + c * GDR2_C;
        const int len = min(GDR2_C, tokens - c * GDR2_C);
        const float* dOc = dOs + (c & 1) * 64 * BV;
        gdr3_wait<0>(); // group A of this chunk
        __syncthreads(); // ... visible, dH too; group B's tiles are free
        load_b(bhc);
        float* Hc = dhs + bhc * dk * dv;
        for (int e = tid; e < dk * BV; e += blockDim.x) {
            const int i = e / BV, j = e % BV;
            if (j < jvalid) Hc[(long long)i * dv + jbase + j] = Hs[gdr3_sidx<BV>(i, j)];
        }
        // du = Aqk^T dO (Aqk[s][t] = 0 for s < t: k steps below the warp's rows are skipped) + Kd dH
        float D[2][4] = {};
        for (int k0 = m0; k0 < 64; k0 += 8) {
            unsigned ah[4], al[4];
            gdr3_frag_a_mmaj(ah, al, As, k0, (m0 + g) * 64, z);
#pragma unroll
            for (int p = 0; p < 2; p++) {
                unsigned bh2[2], bl2[2];
                gdr3_frag_b<BV>(bh2, bl2, dOc, k0, ob[p]);
                gdr3_mma3(D[p], ah, al, bh2, bl2);
            }
        }
        for (int k0 = 0; k0 < dk8; k0 += 8) {
            unsigned ah[4], al[4];
            gdr3_frag_a_kmaj(ah, al, Ks, k0, oa0, oa1);
#pragma unroll
            for (int p = 0; p < 2; p++) {
                unsigned bh2[2], bl2[2];
                gdr3_frag_b<BV>(bh2, bl2, Hs, k0, ob[p]);
                gdr3_mma3(D[p], ah, al, bh2, bl2);
            }
        }
#pragma unroll
        for (int p = 0; p < 2; p++)
#pragma unroll
            for (int q = 0; q < 4; q++) {
                const int t = m0 + g + 8 * (q >> 1), j = n0 + 8 * p + 2 * cq + (q & 1);
                us[gdr3_sidx<BV>(t, j)] = -D[p][q];
                if (t < len && j < jvalid) du_out[(row0 + t) * vd + (long long)h * dv + jbase + j] = D[p][q];
            }
        __syncthreads(); // -du visible; group A's tiles (this chunk's dO buffer aside) and dH are free
        if (c > 0) load_a(c - 1);
        else gdr3_commit();
        gdr3_wait<1>(); // group B of this chunk
        __syncthreads();
        // dH = dec dH + Qd^T dO + W^T (-du)
        const float decay = wk.dec[bhc];
        gdr3_tiles_scale(st, decay);
#pragma unroll
        for (int k0 = 0; k0 < 64; k0 += 8) {
            unsigned dh[2][2], dl[2][2], uh[2][2], ul[2][2];
#pragma unroll
            for (int p = 0; p < 2; p++) {
                gdr3_frag_b<BV>(dh[p], dl[p], dOc, k0, ob[p]);
                gdr3_frag_b<BV>(uh[p], ul[p], us, k0, ob[p]);
            }
#pragma unroll
            for (int r = 0; r < 2; r++) {
                if (m0 + 64 * r >= dk) continue; // a whole tile past Dk (warp-uniform)
                unsigned ah[4], al[4];
                gdr3_frag_a_mmaj(ah, al, Qs, k0, (m0 + 64 * r + g) * 64, z);
#pragma unroll
                for (int p = 0; p < 2; p++) gdr3_mma3(st[r][p], ah, al, dh[p], dl[p]);
                gdr3_frag_a_mmaj(ah, al, Ws, k0, (m0 + 64 * r + g) * 64, z);
#pragma unroll
                for (int p = 0; p < 2; p++) gdr3_mma3(st[r][p], ah, al, uh[p], ul[p]);
            }
        }
        gdr3_tiles_store<BV>(Hs, st, m0, n0, dkp);
    }
    gdr3_wait<0>();
}

// dynamic shared memory of gdr_grad_state_kernel3: Aqk^T [64, 64], Kd^T, Qd^T, W^T [DKP, 64], dH [DKP, BV], -du and
// two dO buffers [64, BV]
__host__ __device__ __forceinline__ int gdr3_state_smem_bytes(int dk, int bv) {
    return 4 * (4096 + 3 * gdr3_dkp(dk) * 64 + gdr3_dkp(dk) * bv + 3 * 64 * bv);
}

// gdr_grad_state_kernel2's outputs (dhs [B, H, NC, Dk, Dv], du [B*T, H*Dv]) from the same inputs, on tensor cores:
// 64 state columns per block, 16 warps, one block per SM (at 32 columns its shared memory, 124 KB at Dk 96, would
// still allow one block per SM, of 8 warps).
// Launch: grid (ceil(Dv/64), H, B), block 512, gdr3_state_smem_bytes(dk, 64) of dynamic shared memory; Dk <= GDR3_MAX_DK.
extern "C" __global__ void __launch_bounds__(512, 1)
gdr_grad_state_kernel3(float* __restrict__ dhs, float* __restrict__ du, const float* __restrict__ work,
                       const float* __restrict__ dO, int tokens, int heads, int dk, int dv) {
    extern __shared__ __align__(16) float gdr3_smem[];
    gdr3_state_scan<64>(gdr3_smem, dhs, du, work, dO, tokens, heads, dk, dv);
}
