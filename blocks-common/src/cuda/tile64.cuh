/*
tile64.cuh: one 64x64 output tile of a matrix product per block of 256 threads, on tensor cores (mma.sync m16n8k8)
in 3xTF32: each operand x = hi + lo, both tf32, and hi*hi + hi*lo + lo*hi accumulate in fp32, so products keep
about fp32's precision (only lo*lo, 2^-22 of |x y|, is dropped). The chunked gated-delta kernels (gated_delta_rule.cuh,
gated_delta_grad.cuh) build their per-chunk products from it: operands come from functors fa(m, x), fb(x, n), so an
operand may be a masked, scaled or transposed view of global or shared memory; epilogues read the accumulator by
(tile64_row, tile64_col), or through a shared tile (tile64_store).
*/
#pragma once

#define TILE64_THREADS 256
#define TILE64_TS 68 // row stride of 64-wide shared tiles (16-byte rows)
#define TILE64_SS 72 // row stride of tile64_mma's staged slices: conflict-free fragment loads

// The 64x64 output tile of tile64_mma: warp w owns rows 16 (w % 4) .. +15 and columns 32 (w / 4) .. +31, as four
// m16n8 accumulators; acc[p][q] is the element at (tile64_row(q), tile64_col(p, q)) (mma.m16n8k8's C fragment layout).
__device__ __forceinline__ int tile64_row(int q) { return 16 * ((threadIdx.x >> 5) & 3) + ((threadIdx.x & 31) >> 2) + 8 * (q >> 1); }
__device__ __forceinline__ int tile64_col(int p, int q) { return 32 * (threadIdx.x >> 7) + 8 * p + 2 * (threadIdx.x & 3) + (q & 1); }

// x = hi + lo, both tf32 (10-bit mantissas): hi*hi + hi*lo + lo*hi misses only lo*lo, 2^-22 of |x y| (3xTF32).
// Each part rounds to nearest, ties away from zero, as cvt.rna.tf32.f32 does, but in two integer instructions: add half a
// tf32 unit in the last place to the bits, clear the 13 bits below it (a carry into the exponent is the correct round-up).
// cvt.rna compiled to compare-and-select sequences and made the version-3 scan issue-bound: 1.28 -> 1.06 ms at the
// retrofit's shape (gated_delta_rule_test.cu). Same bits for every finite x; a NaN still comes out NaN in lo.
__device__ __forceinline__ void tile64_split(float x, unsigned& hi, unsigned& lo) {
    hi = (__float_as_uint(x) + 0x1000u) & 0xffffe000u;
    lo = (__float_as_uint(x - __uint_as_float(hi)) + 0x1000u) & 0xffffe000u;
}

__device__ __forceinline__ void tile64_mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// acc += sum_{x < K} fa(m, x) fb(x, n) over the 64x64 tile, on tensor cores in 3xTF32 (fp32-level products, fp32
// accumulation). Operands are staged 16 deep in As, Bs [16][TILE64_SS]; AX / BX: the operand is contiguous along x in
// memory, so consecutive threads stage consecutive x (else consecutive m or n). Every thread must call it (it
// synchronises).
template <bool AX, bool BX, class FA, class FB>
__device__ __forceinline__ void tile64_mma(float (&acc)[4][4], int K, FA fa, FB fb, float* As, float* Bs) {
    const int tid = threadIdx.x, lane = tid & 31, g = lane >> 2, cq = lane & 3;
    const int m0 = 16 * ((tid >> 5) & 3) + g, n0 = 32 * (tid >> 7) + g;
    // the next slice's operands are loaded into registers before the current slice's products: their latency
    // overlaps the tensor-core work instead of stalling every slice
    float ra[4], rb[4];
    auto fetch = [&](int x0) {
#pragma unroll
        for (int r = 0; r < 4; r++) {
            const int e = tid + TILE64_THREADS * r;
            const int xa = AX ? (e & 15) : (e >> 6), ma = AX ? (e >> 4) : (e & 63);
            const int xb = BX ? (e & 15) : (e >> 6), nb = BX ? (e >> 4) : (e & 63);
            ra[r] = x0 + xa < K ? fa(ma, x0 + xa) : 0.f;
            rb[r] = x0 + xb < K ? fb(x0 + xb, nb) : 0.f;
        }
    };
    fetch(0);
    for (int x0 = 0; x0 < K; x0 += 16) {
#pragma unroll
        for (int r = 0; r < 4; r++) {
            const int e = tid + TILE64_THREADS * r;
            As[(AX ? (e & 15) : (e >> 6)) * TILE64_SS + (AX ? (e >> 4) : (e & 63))] = ra[r];
            Bs[(BX ? (e & 15) : (e >> 6)) * TILE64_SS + (BX ? (e >> 4) : (e & 63))] = rb[r];
        }
        __syncthreads();
        if (x0 + 16 < K) fetch(x0 + 16);
#pragma unroll
        for (int kk = 0; kk < 16; kk += 8) {
            const float* a0 = As + (kk + cq) * TILE64_SS + m0;
            const float* a4 = a0 + 4 * TILE64_SS;
            unsigned ah[4], al[4];
            tile64_split(a0[0], ah[0], al[0]);
            tile64_split(a0[8], ah[1], al[1]);
            tile64_split(a4[0], ah[2], al[2]);
            tile64_split(a4[8], ah[3], al[3]);
#pragma unroll
            for (int p = 0; p < 4; p++) {
                const float* b0 = Bs + (kk + cq) * TILE64_SS + n0 + 8 * p;
                unsigned bh[2], bl[2];
                tile64_split(b0[0], bh[0], bl[0]);
                tile64_split(b0[4 * TILE64_SS], bh[1], bl[1]);
                tile64_mma_tf32(acc[p], al, bh);
                tile64_mma_tf32(acc[p], ah, bl);
                tile64_mma_tf32(acc[p], ah, bh);
            }
        }
        __syncthreads();
    }
}

__device__ __forceinline__ void tile64_zero(float (&acc)[4][4]) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) acc[p][q] = 0.f;
}

// acc into the shared tile Ct (then synchronised: every thread may read all of it)
__device__ __forceinline__ void tile64_store(float* Ct, const float (&acc)[4][4]) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q += 2) *(float2*)&Ct[tile64_row(q) * TILE64_TS + tile64_col(p, q)] = make_float2(acc[p][q], acc[p][q + 1]);
    __syncthreads();
}
