/*
tile64.cuh: one 64x64 output tile of a matrix product per block of 256 threads, on tensor cores (mma.sync m16n8k8)
in 3xTF32: each operand x = hi + lo, both tf32, and hi*hi + hi*lo + lo*hi accumulate in fp32, so products keep
about fp32's precision (only lo*lo, 2^-22 of |x y|, is dropped). The chunked gated-delta kernels (gated_delta_rule.cuh,
gated_delta_grad.cuh) build their per-chunk products from it: an operand is a strided view of global memory
(Tile64View, streamed in by cp.async) or a functor fa(m, x), fb(x, n) (a masked, scaled or transposed view of shared
memory, say); epilogues read the accumulator by (tile64_row, tile64_col), or through a shared tile (tile64_store).
Version 1 staged every operand through registers, one slice ahead with two barriers per slice; ncu found the chunk
kernels waiting on global loads and barriers (long-scoreboard and barrier stalls, 5.6 of 11.8 cycles per issue).
*/
#pragma once

#define TILE64_THREADS 256
#define TILE64_TS 68 // row stride of 64-wide shared tiles (16-byte rows)
#define TILE64_SS 72 // row stride of tile64_mma's staged slices: conflict-free fragment loads
#define TILE64_STAGES 3 // tile64_mma's ring of staged slices
#define TILE64_STAGE_FLOATS (3 * 16 * TILE64_SS) // one slice, 16 deep: A and up to two Bs

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

// An operand in global memory: element (a, b) = p[a * sa + b * sb], 0 outside [0, alim) x [0, blim). tile64_mma copies
// it to shared memory with cp.async, so its loads are in flight while earlier slices' products run.
struct Tile64View {
    const float* p;
    int sa, sb; // a tile's offsets fit in an int: the view's origin, p, carries the large part
    int alim, blim;
    __device__ Tile64View t() const { return {p, sb, sa, blim, alim}; }                // the transpose: (b, a)
    // columns b0.. (none past blim: then every element is 0, and p stays a valid address)
    __device__ Tile64View cols(int b0) const { return {b0 < blim ? p + b0 * sb : p, sa, sb, alim, blim - b0}; }
    __device__ float at(int a, int b) const { return a < alim && b < blim ? p[a * sa + b * sb] : 0.f; }
};

// dst = f(a, b), 0 where x (the product's inner index, a or b) is past K. A functor operand (a value computed from
// shared memory, say) is stored at once; a Tile64View is copied by a 4-byte cp.async that fills zeros out of bounds.
template <class F>
__device__ __forceinline__ void tile64_put(float* dst, const F& f, int a, int b, bool in_k) { *dst = in_k ? f(a, b) : 0.f; }
__device__ __forceinline__ void tile64_put(float* dst, const Tile64View& v, int a, int b, bool in_k) {
    const bool in = in_k && a < v.alim && b < v.blim;
    const float* src = in ? v.p + a * v.sa + b * v.sb : v.p;
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src),
                 "r"(in ? 4 : 0)
                 : "memory");
}

// acc0 += A B0 and, when NB is 2, acc1 += A B1, with A(m, x) = fa(m, x), Bk(x, n) = fbk(x, n), over 64x64 tiles, on
// tensor cores in 3xTF32 (fp32-level products, fp32 accumulation). Operands (functors or Tile64Views) are staged 16
// deep, A then each B [16][TILE64_SS], in a ring of TILE64_STAGES slices in `stages` (TILE64_STAGE_FLOATS each): slice
// s + 2 is in flight while slice s's products run, and one barrier per slice both publishes slice s and frees the
// buffer slice s - 1 used. AX / BX: the operand is contiguous along x in memory, so consecutive threads stage
// consecutive x (else consecutive m or n). Every thread must call it (it synchronises, also on return: the caller may
// then overwrite what the operands read).
template <int NB, bool AX, bool BX, class FA, class FB0, class FB1>
__device__ __forceinline__ void tile64_mma_core(float (&acc0)[4][4], float (&acc1)[4][4], int K, const FA& fa, const FB0& fb0,
                                                const FB1& fb1, float* stages) {
    const int tid = threadIdx.x, lane = tid & 31, g = lane >> 2, cq = lane & 3;
    const int m0 = 16 * ((tid >> 5) & 3) + g, n0 = 32 * (tid >> 7) + g;
    const int slices = (K + 15) / 16;
    auto issue = [&](int s) { // slice s into its ring buffer, as one cp.async group (empty past the last slice)
        if (s < slices) {
            float* As = stages + (s % TILE64_STAGES) * TILE64_STAGE_FLOATS;
            float* Bs = As + 16 * TILE64_SS;
#pragma unroll
            for (int r = 0; r < 4; r++) {
                const int e = tid + TILE64_THREADS * r;
                const int xa = AX ? (e & 15) : (e >> 6), ma = AX ? (e >> 4) : (e & 63);
                const int xb = BX ? (e & 15) : (e >> 6), nb = BX ? (e >> 4) : (e & 63);
                tile64_put(&As[xa * TILE64_SS + ma], fa, ma, 16 * s + xa, 16 * s + xa < K);
                tile64_put(&Bs[xb * TILE64_SS + nb], fb0, 16 * s + xb, nb, 16 * s + xb < K);
                if constexpr (NB == 2) tile64_put(&Bs[(16 + xb) * TILE64_SS + nb], fb1, 16 * s + xb, nb, 16 * s + xb < K);
            }
        }
        asm volatile("cp.async.commit_group;" ::: "memory");
    };
    issue(0);
    issue(1);
    for (int s = 0; s < slices; s++) {
        asm volatile("cp.async.wait_group 1;" ::: "memory"); // this thread's copies of slice s have landed
        __syncthreads();                                     // everyone's have, and slice s - 1 is done with
        issue(s + 2);
        const float* As = stages + (s % TILE64_STAGES) * TILE64_STAGE_FLOATS;
        const float* Bs = As + 16 * TILE64_SS;
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
            for (int k = 0; k < NB; k++) {
                float(&acc)[4][4] = k == 0 ? acc0 : acc1;
#pragma unroll
                for (int p = 0; p < 4; p++) {
                    const float* b0 = Bs + (16 * k + kk + cq) * TILE64_SS + n0 + 8 * p;
                    unsigned bh[2], bl[2];
                    tile64_split(b0[0], bh[0], bl[0]);
                    tile64_split(b0[4 * TILE64_SS], bh[1], bl[1]);
                    tile64_mma_tf32(acc[p], al, bh);
                    tile64_mma_tf32(acc[p], ah, bl);
                    tile64_mma_tf32(acc[p], ah, bh);
                }
            }
        }
    }
    asm volatile("cp.async.wait_group 0;" ::: "memory");
    __syncthreads();
}

// acc += A B over the 64x64 tile (tile64_mma_core with one B)
template <bool AX, bool BX, class FA, class FB>
__device__ __forceinline__ void tile64_mma(float (&acc)[4][4], int K, const FA& fa, const FB& fb, float* stages) {
    tile64_mma_core<1, AX, BX>(acc, acc, K, fa, fb, fb, stages);
}

// acc0 += A B0 and acc1 += A B1: A is read and staged once for both (tile64_mma_core with two Bs)
template <bool AX, bool BX, class FA, class FB0, class FB1>
__device__ __forceinline__ void tile64_mma2(float (&acc0)[4][4], float (&acc1)[4][4], int K, const FA& fa, const FB0& fb0,
                                            const FB1& fb1, float* stages) {
    tile64_mma_core<2, AX, BX>(acc0, acc1, K, fa, fb0, fb1, stages);
}

__device__ __forceinline__ void tile64_zero(float (&acc)[4][4]) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) acc[p][q] = 0.f;
}

// Row and column sums of the shared tile Ct for index x = tid / 4, by the four lanes 4x .. 4x+3 (every thread of the
// block), each summing every fourth term, then two shuffles; all four lanes return the sum:
//   tile64_row_dot: sum_i Ct[x][i] f(x, i)      tile64_col_dot: sum_s Ct[s][x] f(s)
template <class F>
__device__ __forceinline__ float tile64_row_dot(const float* Ct, const F& f) {
    const int x = threadIdx.x >> 2;
    float r = 0.f;
    for (int i = threadIdx.x & 3; i < 64; i += 4) r += Ct[x * TILE64_TS + i] * f(x, i);
    r += __shfl_xor_sync(0xffffffffu, r, 1);
    return r + __shfl_xor_sync(0xffffffffu, r, 2);
}
template <class F>
__device__ __forceinline__ float tile64_col_dot(const float* Ct, const F& f) {
    const int x = threadIdx.x >> 2;
    float r = 0.f;
    for (int s = threadIdx.x & 3; s < 64; s += 4) r += Ct[s * TILE64_TS + x] * f(s);
    r += __shfl_xor_sync(0xffffffffu, r, 1);
    return r + __shfl_xor_sync(0xffffffffu, r, 2);
}

// acc into the shared tile Ct (then synchronised: every thread may read all of it)
__device__ __forceinline__ void tile64_store(float* Ct, const float (&acc)[4][4]) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q += 2) *(float2*)&Ct[tile64_row(q) * TILE64_TS + tile64_col(p, q)] = make_float2(acc[p][q], acc[p][q + 1]);
    __syncthreads();
}

// tile64_row_dot of the tile a, through Ct: synchronises first, so Ct's earlier readers are done
template <class F>
__device__ __forceinline__ float tile64_store_row_dot(float* Ct, const float (&a)[4][4], const F& f) {
    __syncthreads();
    tile64_store(Ct, a);
    return tile64_row_dot(Ct, f);
}

// a[t][.] *= w[t] for the accumulator tile's rows
__device__ __forceinline__ void tile64_scale_rows(float (&a)[4][4], const float* w) {
#pragma unroll
    for (int p = 0; p < 4; p++)
#pragma unroll
        for (int q = 0; q < 4; q++) a[p][q] *= w[tile64_row(q)];
}
