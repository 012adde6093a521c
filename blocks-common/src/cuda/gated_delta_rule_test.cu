/*
gated_delta_rule_test.cu: a standalone check (llm.c dev/cuda style) of gated_delta_rule.cuh and causal_conv.cuh
against a literal CPU reference (the C++ twin of GatedDeltaRule.step, GatedRmsNorm.apply and ShortConvState
push/convolve), on odd shapes, outputs poisoned with NaN first; then decode/prefill timings at Jet-Nemotron-2B
shapes (H 12, Dk 96, Dv 256). The Java tests (GatedDeltaNetCudaTest, JetBlockCudaTest) are the real contract;
this one needs only nvcc and a GPU (prefill2 lines: the chunked gdr_prefill_kernel2, after gdr_chunk_kernel2 and after
its tensor-core version gdr_chunk_kernel3, against kernel1 and the reference; prefill3 and "grad forward3" lines: the
tensor-core scans gdr_prefill_kernel3 and gdr_grad_forward_kernel3 (gated_delta_scan3.cuh) against kernel1, the
reference and gdr_grad_forward_kernel2's chunk states, u and o; "grad state3" lines: gdr_grad_state_kernel3's dH and du
against gdr_grad_state_kernel2's;
"out norm2" and "grad norm2" lines: gdr_out_norm_kernel2 and gdr_grad_norm_kernel2 against their kernel1s;
decode3 lines: gdr_decode_kernel3 against the conv step, gdr_decode_kernel2 and gdr_out_norm_kernel2 it fuses;
decode2 lines: gdr_decode_kernel2 at block widths TX 2..16 against gdr_decode_kernel1 and the reference; conv2 and
grad2 lines: causal_conv_kernel2 and conv_grad_kernel2 against their kernel1s; "bench train" and "bench conv" lines:
the training kernels and the short conv's kernels at the 2B retrofit's shape, B 8 x 2048; `./gdr_test train` runs
only those two benches):
  nvcc -O2 -arch=sm_90 -I blocks-common/src/cuda -o gdr_test blocks-common/src/cuda/gated_delta_rule_test.cu && ./gdr_test
*/
#include "causal_conv.cuh"
#include "causal_conv_grad.cuh"
#include "gated_delta_rule.cuh"
#include "gated_delta_grad.cuh"
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); exit(1); } } while (0)

static std::mt19937 rng(7);
static std::vector<float> randn(size_t n, float std) {
    std::normal_distribution<float> d(0.f, std);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}
static float* up(const std::vector<float>& v) {
    float* p; CK(cudaMalloc(&p, v.size() * 4 + 4)); CK(cudaMemcpy(p, v.data(), v.size() * 4, cudaMemcpyHostToDevice)); return p;
}
static float* nanbuf(size_t n) {
    std::vector<float> v(n, NAN); return up(v);
}
static std::vector<float> down(const float* p, size_t n) {
    std::vector<float> v(n); CK(cudaMemcpy(v.data(), p, n * 4, cudaMemcpyDeviceToHost)); return v;
}
static int failures = 0;
static void cmp(const char* what, const std::vector<float>& e, const std::vector<float>& g, double tol = 1e-4) {
    double ma = 0, mr = 0; size_t bad = (size_t)-1;
    for (size_t i = 0; i < e.size(); i++) {
        if (!std::isfinite(g[i])) { bad = i; break; }
        ma = std::max(ma, (double)std::fabs(g[i] - e[i])); mr = std::max(mr, (double)std::fabs(e[i]));
    }
    double rel = bad != (size_t)-1 ? INFINITY : ma == 0 ? 0 : ma / mr;
    bool ok = rel <= tol;
    if (!ok) failures++;
    printf("%-60s rel %.3g %s%s\n", what, rel, ok ? "ok" : "FAIL", bad != (size_t)-1 ? " (non-finite)" : "");
}
// relative max error of g against e (inf where g has a non-finite value)
static double relerr(const std::vector<float>& e, const std::vector<float>& g) {
    double ma = 0, mr = 0;
    for (size_t i = 0; i < e.size(); i++) {
        if (!std::isfinite(g[i])) return INFINITY;
        ma = std::max(ma, (double)std::fabs(g[i] - e[i])); mr = std::max(mr, (double)std::fabs(e[i]));
    }
    return ma == 0 ? 0 : ma / mr;
}
// gdr_decode_kernel2's block: TX column threads (4 columns each), TY >= ceil(Dk/4) row groups, TX*TY % 32 == 0
static dim3 dec2_block(int dk, int tx) {
    int ty = (dk + GDR2D_R - 1) / GDR2D_R, g = 32 / tx;
    ty = (ty + g - 1) / g * g;
    return dim3(tx, ty);
}
static void decode2(int tx, float* S, float* o, const float* q, int qs, const float* k, int ks, const float* v, int vs,
                    const float* a, const float* b, int abs_, const float* al, const float* dt, int B, int H, int dk, int dv,
                    int silu_qk, float bs) {
    dim3 blk = dec2_block(dk, tx);
    gdr_decode_kernel2<<<dim3((dv + 4 * tx - 1) / (4 * tx), H, B), blk>>>(S, o, q, qs, k, ks, v, vs, a, b, abs_, al, dt, H, dk, dv, silu_qk, bs);
}
static float sig(float x) { return 1.f / (1.f + std::exp(-x)); }
static float silu(float x) { return x * sig(x); }
static float softplus(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

// literal reference: one token of one (b, h); q, k raw (silu if asked), state [dk, dv]
static void ref_token(float* S, int dk, int dv, const float* q0, const float* k0, const float* v, float a, float b,
                      float alog, float dtb, int silu_qk, float bs, float* o) {
    std::vector<float> q(q0, q0 + dk), k(k0, k0 + dk), u(dv);
    if (silu_qk) for (int i = 0; i < dk; i++) { q[i] = silu(q[i]); k[i] = silu(k[i]); }
    float sq = 0, sk = 0; for (int i = 0; i < dk; i++) { sq += q[i] * q[i]; sk += k[i] * k[i]; }
    float fq = (float)(1.0 / std::sqrt((double)dk) / std::sqrt(sq + 1e-6)), fk = (float)(1.0 / std::sqrt(sk + 1e-6));
    for (int i = 0; i < dk; i++) { q[i] *= fq; k[i] *= fk; }
    float g = -std::exp(alog) * softplus(a + dtb), beta = sig(b) * bs, al = std::exp(g);
    for (int i = 0; i < dk * dv; i++) S[i] *= al;
    for (int j = 0; j < dv; j++) { float s = 0; for (int i = 0; i < dk; i++) s += S[i * dv + j] * k[i]; u[j] = beta * (v[j] - s); }
    for (int i = 0; i < dk; i++) for (int j = 0; j < dv; j++) S[i * dv + j] += k[i] * u[j];
    for (int j = 0; j < dv; j++) { float s = 0; for (int i = 0; i < dk; i++) s += S[i * dv + j] * q[i]; o[j] = s; }
}
static void ref_norm(float* o, const float* gate, const float* w, int dv, float eps) {
    float ss = 0; for (int j = 0; j < dv; j++) ss += o[j] * o[j];
    float r = (float)(1.0 / std::sqrt(ss / dv + eps));
    for (int j = 0; j < dv; j++) o[j] = o[j] * r * w[j] * silu(gate[j]);
}

// a version-3 scan kernel with its dynamic shared memory (above the 48 KB default: the kernel's limit raised first)
template <class K, class... A> static void scan3(K kernel, int dk, dim3 grid, A... args) {
    CK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, gdr3_smem_bytes(dk)));
    kernel<<<grid, 256, gdr3_smem_bytes(dk)>>>(args...);
    CK(cudaGetLastError());
}
// a chunk kernel (gdr_chunk_kernel3, gdr_grad_chunk_kernel2) with its dynamic shared memory, likewise above 48 KB
template <class K, class... A> static void launch_chunk(K kernel, dim3 grid, A... args) {
    const int bytes = GDR_CHUNK_SMEM_FLOATS * sizeof(float);
    CK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
    kernel<<<grid, TILE64_THREADS, bytes>>>(args...);
    CK(cudaGetLastError());
}
template <class... A> static void state3(int dk, dim3 grid, A... args) {
    CK(cudaFuncSetAttribute(gdr_grad_state_kernel3, cudaFuncAttributeMaxDynamicSharedMemorySize, gdr3_state_smem_bytes(dk, 64)));
    gdr_grad_state_kernel3<<<grid, 512, gdr3_state_smem_bytes(dk, 64)>>>(args...);
    CK(cudaGetLastError());
}

static void test_gdr(int B, int T, int H, int dk, int dv, int silu_qk, float bs) {
    char name[200];
    int rows = B * T, qs = H * dk + 3, vs = H * dv + 1, abs_ = H + 2; // strided inputs, as column ranges of a fused projection
    auto q = randn((size_t)rows * qs, 1), k = randn((size_t)rows * qs, 1), v = randn((size_t)rows * vs, 1);
    auto a = randn((size_t)rows * abs_, 1), b = randn((size_t)rows * abs_, 1), gate = randn((size_t)rows * vs, 1);
    auto alog = randn(H, 1), dtb = randn(H, 1), w = randn(dv, 1), S0 = randn((size_t)B * H * dk * dv, 0.3f);
    // reference: T tokens, then 3 decode tokens reusing rows 0..B-1 of t = 0..2
    std::vector<float> S = S0, o((size_t)rows * H * dv);
    for (int bi = 0; bi < B; bi++) for (int t = 0; t < T; t++) for (int h = 0; h < H; h++) {
        size_t r = (size_t)bi * T + t; float* oo = &o[(r * H + h) * dv];
        ref_token(&S[((size_t)bi * H + h) * dk * dv], dk, dv, &q[r * qs + h * dk], &k[r * qs + h * dk], &v[r * vs + h * dv],
                  a[r * abs_ + h], b[r * abs_ + h], alog[h], dtb[h], silu_qk, bs, oo);
        ref_norm(oo, &gate[r * vs + h * dv], w.data(), dv, 1e-5f);
    }
    float *dq = up(q), *dk_ = up(k), *dv_ = up(v), *da = up(a), *db = up(b), *dg = up(gate), *dal = up(alog), *ddt = up(dtb), *dw = up(w), *dS = up(S0);
    float *qn = nanbuf((size_t)rows * H * dk), *kn = nanbuf((size_t)rows * H * dk), *gbq = nanbuf((size_t)rows * H * 3), *dO = nanbuf((size_t)rows * H * dv);
    gdr_prep_kernel1<<<(rows * H + 3) / 4, 128>>>(qn, kn, gbq, dq, qs, dk_, qs, da, db, abs_, dal, ddt, rows, H, dk, silu_qk, bs);
    gdr_prefill_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(dS, dO, qn, kn, dv_, vs, gbq, T, H, dk, dv);
    CK(cudaDeviceSynchronize());
    auto raw1 = down(dO, o.size());
    gdr_out_norm_kernel1<<<rows * H, 128>>>(dO, dg, vs, dw, H, dv, 1e-5f);
    CK(cudaDeviceSynchronize());
    { // gdr_out_norm_kernel2 on the same o, against kernel1
        float* dOn = up(raw1);
        gdr_out_norm_kernel2<<<(rows * H + 7) / 8, 256>>>(dOn, dg, vs, dw, rows, H, dv, 1e-5f);
        CK(cudaDeviceSynchronize());
        snprintf(name, sizeof name, "out norm2 B%d T%d H%d Dv%d: kernel1's", B, T, H, dv);
        cmp(name, down(dO, o.size()), down(dOn, o.size()));
        CK(cudaFree(dOn));
    }
    snprintf(name, sizeof name, "prefill B%d T%d H%d Dk%d Dv%d silu%d: o", B, T, H, dk, dv, silu_qk);
    cmp(name, o, down(dO, o.size()));
    snprintf(name, sizeof name, "prefill B%d T%d H%d Dk%d Dv%d silu%d: state", B, T, H, dk, dv, silu_qk);
    cmp(name, S, down(dS, S.size()));
    for (int chunk = 2; chunk <= 3; chunk++) { // the chunk kernel's versions, each followed by gdr_prefill_kernel2
        int nc = (T + 63) / 64;
        float *work = nanbuf((size_t)GDR2_WORK(B * H * nc, dk, dv)), *dO2 = nanbuf((size_t)rows * H * dv);
        float* dS2 = up(S0); // from the same initial state and the same prep outputs
        if (chunk == 2) gdr_chunk_kernel2<<<dim3(nc, H, B), GDR2_THREADS>>>(work, qn, kn, dv_, vs, gbq, T, H, dk, dv);
        else launch_chunk(gdr_chunk_kernel3, dim3(nc, H, B), work, qn, kn, dv_, vs, gbq, T, H, dk, dv);
        gdr_prefill_kernel2<<<dim3((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), GDR2_THREADS>>>(dS2, dO2, work, T, H, dk, dv);
        CK(cudaDeviceSynchronize());
        snprintf(name, sizeof name, "prefill2 (chunk%d) vs 1 B%d T%d H%d Dk%d Dv%d silu%d: o", chunk, B, T, H, dk, dv, silu_qk);
        cmp(name, raw1, down(dO2, o.size()));
        snprintf(name, sizeof name, "prefill2 (chunk%d) vs 1 B%d T%d H%d Dk%d Dv%d silu%d: state", chunk, B, T, H, dk, dv, silu_qk);
        cmp(name, down(dS, S.size()), down(dS2, S.size()));
        if (chunk == 3 && dk <= GDR3_MAX_DK) { // the tensor-core scan: o and state against kernel1's, then (below) the CPU twin
            float *dO3 = nanbuf((size_t)rows * H * dv), *dS3 = up(S0);
            scan3(gdr_prefill_kernel3, dk, dim3((dv + GDR3_BV - 1) / GDR3_BV, H, B), dS3, dO3, work, T, H, dk, dv);
            CK(cudaDeviceSynchronize());
            snprintf(name, sizeof name, "prefill3 (chunk3) vs 1 B%d T%d H%d Dk%d Dv%d silu%d: o", B, T, H, dk, dv, silu_qk);
            cmp(name, raw1, down(dO3, o.size()));
            snprintf(name, sizeof name, "prefill3 (chunk3) vs 1 B%d T%d H%d Dk%d Dv%d silu%d: state", B, T, H, dk, dv, silu_qk);
            cmp(name, down(dS, S.size()), down(dS3, S.size()));
            gdr_out_norm_kernel1<<<rows * H, 128>>>(dO3, dg, vs, dw, H, dv, 1e-5f);
            CK(cudaDeviceSynchronize());
            snprintf(name, sizeof name, "prefill3 (chunk3) vs ref B%d T%d H%d Dk%d Dv%d silu%d: o", B, T, H, dk, dv, silu_qk);
            cmp(name, o, down(dO3, o.size()));
            // the training forward: its chunk-entry states and u against version 2's
            const size_t nck = (size_t)B * H * nc * dk * dv;
            float *ck2 = nanbuf(nck), *ck3 = nanbuf(nck), *u2 = nanbuf((size_t)rows * H * dv), *u3 = nanbuf((size_t)rows * H * dv);
            float *o2 = nanbuf((size_t)rows * H * dv), *s2 = up(S0), *s3 = up(S0);
            gdr_grad_forward_kernel2<<<dim3((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), GDR2_THREADS>>>(s2, o2, ck2, u2, work, T, H, dk, dv);
            scan3(gdr_grad_forward_kernel3, dk, dim3((dv + GDR3_BV - 1) / GDR3_BV, H, B), s3, dO3, ck3, u3, work, T, H, dk, dv);
            CK(cudaDeviceSynchronize());
            snprintf(name, sizeof name, "grad forward3 vs 2 B%d T%d H%d Dk%d Dv%d silu%d: chunk states", B, T, H, dk, dv, silu_qk);
            cmp(name, down(ck2, nck), down(ck3, nck));
            snprintf(name, sizeof name, "grad forward3 vs 2 B%d T%d H%d Dk%d Dv%d silu%d: u", B, T, H, dk, dv, silu_qk);
            cmp(name, down(u2, o.size()), down(u3, o.size()));
            snprintf(name, sizeof name, "grad forward3 vs 2 B%d T%d H%d Dk%d Dv%d silu%d: o", B, T, H, dk, dv, silu_qk);
            cmp(name, down(o2, o.size()), down(dO3, o.size()));
            // the state gradient's scan: dH at every chunk's end and du against version 2's, for a random dO
            float *gO = up(randn((size_t)rows * H * dv, 1)), *dh2 = nanbuf(nck), *dh3 = nanbuf(nck);
            float *du2 = nanbuf((size_t)rows * H * dv), *du3 = nanbuf((size_t)rows * H * dv);
            gdr_grad_state_kernel2<<<dim3((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), GDR2_THREADS>>>(dh2, du2, work, gO, T, H, dk, dv);
            state3(dk, dim3((dv + 63) / 64, H, B), dh3, du3, work, gO, T, H, dk, dv);
            CK(cudaDeviceSynchronize());
            snprintf(name, sizeof name, "grad state3 vs 2 B%d T%d H%d Dk%d Dv%d silu%d: dH", B, T, H, dk, dv, silu_qk);
            cmp(name, down(dh2, nck), down(dh3, nck));
            snprintf(name, sizeof name, "grad state3 vs 2 B%d T%d H%d Dk%d Dv%d silu%d: du", B, T, H, dk, dv, silu_qk);
            cmp(name, down(du2, o.size()), down(du3, o.size()));
            for (float* p : {dO3, dS3, ck2, ck3, u2, u3, o2, s2, s3, gO, dh2, dh3, du2, du3}) cudaFree(p);
        }
        if (chunk == 3) { // the scan capped at two blocks per SM: the same bits
            float *dOw = nanbuf((size_t)rows * H * dv), *dSw = up(S0);
            gdr_prefill_wide_kernel2<<<dim3((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), GDR2_THREADS>>>(dSw, dOw, work, T, H, dk, dv);
            CK(cudaDeviceSynchronize());
            snprintf(name, sizeof name, "prefill2 wide = prefill2 B%d T%d H%d Dk%d Dv%d silu%d: o", B, T, H, dk, dv, silu_qk);
            cmp(name, down(dO2, o.size()), down(dOw, o.size()), 0.0);
            snprintf(name, sizeof name, "prefill2 wide = prefill2 B%d T%d H%d Dk%d Dv%d silu%d: state", B, T, H, dk, dv, silu_qk);
            cmp(name, down(dS2, S.size()), down(dSw, S.size()), 0.0);
            cudaFree(dOw);
            cudaFree(dSw);
        }
        gdr_out_norm_kernel1<<<rows * H, 128>>>(dO2, dg, vs, dw, H, dv, 1e-5f);
        CK(cudaDeviceSynchronize());
        snprintf(name, sizeof name, "prefill2 (chunk%d) vs ref B%d T%d H%d Dk%d Dv%d silu%d: o", chunk, B, T, H, dk, dv, silu_qk);
        cmp(name, o, down(dO2, o.size()));
        snprintf(name, sizeof name, "prefill2 (chunk%d) vs ref B%d T%d H%d Dk%d Dv%d silu%d: state", chunk, B, T, H, dk, dv, silu_qk);
        cmp(name, S, down(dS2, S.size()));
        for (float* p : {work, dO2, dS2}) cudaFree(p);
    }
    for (int step = 0; step < 3; step++) { // decode: row bi of input is (bi, t = step)
        std::vector<float> od((size_t)B * H * dv);
        for (int bi = 0; bi < B; bi++) for (int h = 0; h < H; h++) {
            size_t r = (size_t)bi * T + step; float* oo = &od[((size_t)bi * H + h) * dv];
            ref_token(&S[((size_t)bi * H + h) * dk * dv], dk, dv, &q[r * qs + h * dk], &k[r * qs + h * dk], &v[r * vs + h * dv],
                      a[r * abs_ + h], b[r * abs_ + h], alog[h], dtb[h], silu_qk, bs, oo);
            ref_norm(oo, &gate[r * vs + h * dv], w.data(), dv, 1e-5f);
        }
        float* dOd = nanbuf(od.size());
        float* dSprev; CK(cudaMalloc(&dSprev, S.size() * 4)); CK(cudaMemcpy(dSprev, dS, S.size() * 4, cudaMemcpyDeviceToDevice));
        // batch row bi reads input row bi*T + step: strides T times the row stride
        gdr_decode_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(dS, dOd, dq + (size_t)step * qs, qs * T, dk_ + (size_t)step * qs, qs * T,
            dv_ + (size_t)step * vs, vs * T, da + (size_t)step * abs_, db + (size_t)step * abs_, abs_ * T, dal, ddt, H, dk, dv, silu_qk, bs);
        gdr_out_norm_kernel1<<<B * H, 128>>>(dOd, dg + (size_t)step * vs, vs * T, dw, H, dv, 1e-5f);
        CK(cudaDeviceSynchronize());
        snprintf(name, sizeof name, "decode step %d B%d H%d Dk%d Dv%d silu%d: o", step, B, H, dk, dv, silu_qk);
        cmp(name, od, down(dOd, od.size()));
        snprintf(name, sizeof name, "decode step %d B%d H%d Dk%d Dv%d silu%d: state", step, B, H, dk, dv, silu_qk);
        cmp(name, S, down(dS, S.size()));
        { // kernel2 at every block width, from the state before this step, against kernel1 (normed o, state)
            auto o1 = down(dOd, od.size()), s1 = down(dS, S.size());
            double ro = 0, rs = 0, rr = 0;
            for (int tx : {2, 4, 8, 16}) {
                dim3 blk = dec2_block(dk, tx);
                if (blk.x * blk.y > 512) continue;
                float *dS2d = nanbuf(S.size()), *dO2d = nanbuf(od.size());
                CK(cudaMemcpy(dS2d, dSprev, S.size() * 4, cudaMemcpyDeviceToDevice));
                decode2(tx, dS2d, dO2d, dq + (size_t)step * qs, qs * T, dk_ + (size_t)step * qs, qs * T, dv_ + (size_t)step * vs, vs * T,
                        da + (size_t)step * abs_, db + (size_t)step * abs_, abs_ * T, dal, ddt, B, H, dk, dv, silu_qk, bs);
                gdr_out_norm_kernel1<<<B * H, 128>>>(dO2d, dg + (size_t)step * vs, vs * T, dw, H, dv, 1e-5f);
                CK(cudaDeviceSynchronize());
                auto o2 = down(dO2d, od.size()), s2 = down(dS2d, S.size());
                ro = std::max(ro, relerr(o1, o2)); rs = std::max(rs, relerr(s1, s2));
                rr = std::max(rr, std::max(relerr(od, o2), relerr(S, s2)));
                cudaFree(dS2d); cudaFree(dO2d);
            }
            bool ok = ro <= 1e-5 && rs <= 1e-5 && rr <= 1e-4;
            if (!ok) failures++;
            printf("decode2 vs 1 step %d B%d H%d Dk%d Dv%d silu%d (TX 2..16): o rel %.3g, state rel %.3g; vs ref %.3g %s\n",
                   step, B, H, dk, dv, silu_qk, ro, rs, rr, ok ? "ok" : "FAIL");
        }
        cudaFree(dOd); cudaFree(dSprev);
    }
    for (float* p : {dq, dk_, dv_, da, db, dg, dal, ddt, dw, dS, qn, kn, gbq, dO}) cudaFree(p);
}

// ms per launch of 7 runs of 50 back-to-back launches after 5 warm-up launches, sorted (ts[3] the median)
template <class F> static std::vector<float> launch_times(F launch) {
    cudaEvent_t e0, e1; cudaEventCreate(&e0); cudaEventCreate(&e1);
    for (int i = 0; i < 5; i++) launch();
    std::vector<float> ts;
    for (int rep = 0; rep < 7; rep++) {
        cudaEventRecord(e0);
        for (int i = 0; i < 50; i++) launch();
        cudaEventRecord(e1); CK(cudaEventSynchronize(e1));
        float ms; cudaEventElapsedTime(&ms, e0, e1); ts.push_back(ms / 50);
    }
    CK(cudaGetLastError());
    cudaEventDestroy(e0); cudaEventDestroy(e1);
    std::sort(ts.begin(), ts.end());
    return ts;
}

// gdr_decode_kernel3 (the rule, the output norm and, with conv, JetBlock's dynamic conv step of v in one launch; with
// gates, a and b as dot products of the block input with their weight rows) against causal_conv_step_kernel1,
// gdr_decode_kernel2 (TX 8, as the launcher) and gdr_out_norm_kernel2 from the same state and cache, a and b from the
// host in double: state and cache bit for bit and o to 1e-6 (the norm's sum of squares in another order) without gates;
// with them (the kernel's own fp32 dot products, about 1e-7 of |a|), state and o to 1e-5. Two steps, so the second runs
// on the tickets the first reset; inputs strided as column ranges of one projection.
static void test_decode3(int B, int H, int dk, int dv, int W, bool conv, bool gates, int D = 0) {
    const int tx = 8, ps = 2 * H * dk + 2 * H * dv + 5, abs_ = 2 * H + 1, C = H * dv, kw = C * W;
    const int gx = (dv + 4 * tx - 1) / (4 * tx);
    auto proj = randn((size_t)B * ps, 1), ab = randn((size_t)B * abs_, 1), alog = randn(H, 1), dtb = randn(H, 1), w = randn(dv, 1);
    auto kern = randn((size_t)B * kw, 0.5f), kb = randn(kw, 0.2f), xin = randn((size_t)B * (D + 1), 1), wab = randn((size_t)2 * H * D, 0.05f);
    if (gates) { // the reference's a, b: x . w rows in double, where decode2 reads them
        for (int bi = 0; bi < B; bi++) for (int h = 0; h < 2 * H; h++) {
            double acc = 0;
            for (int i = 0; i < D; i++) acc += (double)xin[(size_t)bi * (D + 1) + i] * wab[(size_t)h * D + i];
            ab[(size_t)bi * abs_ + h] = (float)acc;
        }
    }
    float *dp = up(proj), *dab = up(ab), *dal = up(alog), *ddt = up(dtb), *dw = up(w), *dkern = up(kern), *dkb = up(kb);
    float *dx = up(xin), *dwab = up(wab);
    float *S1 = up(randn((size_t)B * H * dk * dv, 0.3f)), *S3; CK(cudaMalloc(&S3, (size_t)B * H * dk * dv * 4));
    float *c1 = up(randn((size_t)B * C * W, 1)), *c3; CK(cudaMalloc(&c3, (size_t)B * C * W * 4));
    CK(cudaMemcpy(S3, S1, (size_t)B * H * dk * dv * 4, cudaMemcpyDeviceToDevice));
    CK(cudaMemcpy(c3, c1, (size_t)B * C * W * 4, cudaMemcpyDeviceToDevice));
    float *v1 = nanbuf((size_t)B * C), *o1 = nanbuf((size_t)B * C), *o3 = nanbuf((size_t)B * C), *ss = nanbuf((size_t)B * H * gx);
    unsigned* tickets; CK(cudaMalloc(&tickets, (size_t)B * H * 4)); CK(cudaMemset(tickets, 0, (size_t)B * H * 4));
    const float* q = dp; const float* k = dp + H * dk; const float* x = dp + 2 * H * dk; const float* g = x + C;
    double ro = 0, rs = 0; bool exact = true;
    for (int step = 0; step < 2; step++) {
        const float* v = x;
        int vs = ps;
        if (conv) {
            causal_conv_step_kernel1<<<(B * C + 255) / 256, 256>>>(v1, C, x, ps, c1, dkern, (long long)kw, dkb, nullptr, B, C, W, 1);
            v = v1; vs = C;
        }
        decode2(tx, S1, o1, q, ps, k, ps, v, vs, dab, dab + H, abs_, dal, ddt, B, H, dk, dv, conv, 1.f);
        gdr_out_norm_kernel2<<<(B * H + 7) / 8, 256>>>(o1, g, ps, dw, B, H, dv, 1e-5f);
        gdr_decode_kernel3<<<dim3(gx, H, B), dec2_block(dk, tx)>>>(S3, o3, q, ps, k, ps, x, ps, dab, dab + H, abs_, dal, ddt, H, dk, dv,
            conv, 1.f, conv ? c3 : nullptr, dkern, (long long)kw, dkb, W, dx, D + 1, gates ? dwab : nullptr, D, g, ps, dw, 1e-5f, ss, tickets);
        CK(cudaDeviceSynchronize());
        ro = std::max(ro, relerr(down(o1, (size_t)B * C), down(o3, (size_t)B * C)));
        auto s1 = down(S1, (size_t)B * H * dk * dv), s3 = down(S3, (size_t)B * H * dk * dv);
        rs = std::max(rs, relerr(s1, s3));
        exact = exact && s1 == s3 && (!conv || down(c1, (size_t)B * C * W) == down(c3, (size_t)B * C * W));
    }
    std::vector<unsigned> t((size_t)B * H);
    CK(cudaMemcpy(t.data(), tickets, t.size() * 4, cudaMemcpyDeviceToHost));
    bool reset = std::all_of(t.begin(), t.end(), [](unsigned u) { return u == 0; });
    bool ok = (gates ? ro <= 1e-5 && rs <= 1e-5 : ro <= 1e-6 && exact) && reset;
    if (!ok) failures++;
    printf("decode3 vs conv step + decode2 + norm2 B%d H%d Dk%d Dv%d W%d conv%d gates%d: o rel %.3g, state rel %.3g%s, tickets %s %s\n",
           B, H, dk, dv, W, conv, gates, ro, rs, exact ? (conv ? " (state and cache bit for bit)" : " (bit for bit)") : "",
           reset ? "reset" : "NOT reset", ok ? "ok" : "FAIL");
    for (float* p : {dp, dab, dal, ddt, dw, dkern, dkb, dx, dwab, S1, S3, c1, c3, v1, o1, o3, ss}) cudaFree(p);
    cudaFree(tickets);
}

// a decode step's rule and norm at the 2B head shape: the three kernels JetBlock ran (conv step, decode2, norm2) against
// gdr_decode_kernel3; median over 7 runs of 50 back-to-back launches after warm-up
static void bench_decode3(int B, int H, int dk, int dv, int W) {
    const int C = H * dv, kw = C * W, gx = (dv + 31) / 32;
    float *x = up(randn((size_t)B * C, 1)), *g = up(randn((size_t)B * C, 1)), *q = up(randn((size_t)B * H * dk, 1));
    float *ab = up(randn((size_t)B * H * 2, 1)), *al = up(randn(H, 1)), *dt = up(randn(H, 1)), *w = up(randn(dv, 1));
    float *S = up(randn((size_t)B * H * dk * dv, 0.1f)), *cache = up(randn((size_t)B * C * W, 1)), *kern = up(randn((size_t)B * kw, 0.5f));
    float *kb = up(randn(kw, 0.2f)), *v = nanbuf((size_t)B * C), *o = nanbuf((size_t)B * C), *ss = nanbuf((size_t)B * H * gx);
    unsigned* tickets; CK(cudaMalloc(&tickets, (size_t)B * H * 4)); CK(cudaMemset(tickets, 0, (size_t)B * H * 4));
    for (int fused = 0; fused < 2; fused++) {
        auto launch = [&]() {
            if (fused) {
                gdr_decode_kernel3<<<dim3(gx, H, B), dec2_block(dk, 8)>>>(S, o, q, H * dk, q, H * dk, x, C, ab, ab + H, 2 * H, al, dt, H, dk, dv,
                    1, 1.f, cache, kern, (long long)kw, kb, W, nullptr, 0, nullptr, 0, g, C, w, 1e-5f, ss, tickets);
            } else {
                causal_conv_step_kernel1<<<(B * C + 255) / 256, 256>>>(v, C, x, C, cache, kern, (long long)kw, kb, nullptr, B, C, W, 1);
                decode2(8, S, o, q, H * dk, q, H * dk, v, C, ab, ab + H, 2 * H, al, dt, B, H, dk, dv, 1, 1.f);
                gdr_out_norm_kernel2<<<(B * H + 7) / 8, 256>>>(o, g, C, w, B, H, dv, 1e-5f);
            }
        };
        std::vector<float> ts = launch_times(launch);
        printf("bench decode step %s B%d H%d Dk%d Dv%d W%d: %.2f us [%.2f, %.2f]\n", fused ? "gdr_decode_kernel3 (fused)   " : "conv step + decode2 + norm2",
               B, H, dk, dv, W, 1000 * ts[3], 1000 * ts[0], 1000 * ts[6]);
    }
    for (float* p : {x, g, q, ab, al, dt, w, S, cache, kern, kb, v, o, ss}) cudaFree(p);
    cudaFree(tickets);
}

// conv: static (dynamic=0) or a kernel per row; prefill in two row ranges, cache update, then 2 decode steps
// gdr_grad_norm_kernel2 against kernel1 on random inputs, outputs poisoned first; the gate's rows wider than H*Dv
static void test_grad_norm(int rows, int H, int dv) {
    const int n = rows * H * dv, gs = H * dv + 3;
    auto o = randn(n, 1.f), gate = randn((size_t)rows * gs, 1.f), w = randn(dv, 1.f), dy = randn(n, 1.f);
    float *d_o = up(o), *d_gate = up(gate), *d_w = up(w), *d_dy = up(dy);
    float* out[2][3]; // do, dgate, dw partials: [rows*H, Dv] each
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < 3; i++) out[v][i] = nanbuf(n);
    gdr_grad_norm_kernel1<<<rows * H, 128>>>(out[0][0], out[0][1], H * dv, out[0][2], d_o, d_gate, gs, d_w, d_dy, H, dv, 1e-5f);
    gdr_grad_norm_kernel2<<<(rows * H + 7) / 8, 256>>>(out[1][0], out[1][1], H * dv, out[1][2], d_o, d_gate, gs, d_w, d_dy, rows, H, dv, 1e-5f);
    CK(cudaDeviceSynchronize());
    const char* names[3] = {"do", "dgate", "dw partials"};
    for (int i = 0; i < 3; i++) {
        char name[160];
        snprintf(name, sizeof name, "grad norm2 rows%d H%d Dv%d: %s = kernel1's", rows, H, dv, names[i]);
        cmp(name, down(out[0][i], n), down(out[1][i], n));
    }
    for (float* p : {d_o, d_gate, d_w, d_dy, out[0][0], out[0][1], out[0][2], out[1][0], out[1][1], out[1][2]}) CK(cudaFree(p));
}

static void test_conv(int B, int T, int C, int W, int dynamic) {
    char name[200];
    int rows = B * T, xs = C + 3, os = C + 1;
    long long kst = dynamic ? (long long)C * W : 0;
    auto x = randn((size_t)(rows + 2 * B) * xs, 1), kern = randn(dynamic ? (size_t)(rows + 2 * B) * C * W : (size_t)C * W, 1);
    auto kb = randn((size_t)C * W, 1), bias = randn(C, 1), cache0 = randn((size_t)B * C * W, 1);
    std::vector<float> cache = cache0, out((size_t)rows * os, NAN);
    for (int bi = 0; bi < B; bi++) for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) {
        size_t r = (size_t)bi * T + t; float* row = &cache[((size_t)bi * C + c) * W];
        for (int w = 0; w < W - 1; w++) row[w] = row[w + 1];
        row[W - 1] = x[r * xs + c];
        float acc = 0;
        for (int w = 0; w < W; w++) acc += row[w] * (kern[r * kst + (size_t)c * W + w] + (dynamic ? kb[(size_t)c * W + w] : 0));
        acc += dynamic ? 0 : bias[c];
        out[r * os + c] = silu(acc);
    }
    float *dx = up(x), *dkern = up(kern), *dkb = up(kb), *dbias = up(bias), *dc = up(cache0), *dout = nanbuf(out.size());
    long long half = rows / 2;
    for (int part = 0; part < 2; part++) {
        long long r0 = part ? half : 0, n = part ? rows - half : half;
        if (n == 0) continue;
        causal_conv_kernel1<<<64, 256>>>(dout, os, dx, xs, dc, dkern + r0 * kst, kst, dynamic ? dkb : nullptr,
                                        dynamic ? nullptr : dbias, T, C, W, r0, n, 1);
    }
    float* dout2 = nanbuf(out.size()); // version 2 over other row ranges: the same bits as kernel1
    for (long long r0 = 0; r0 < rows; r0 += 37) {
        const long long n = std::min(37LL, rows - r0);
        causal_conv_kernel2<<<dim3((C + 127) / 128, (unsigned)((n + CONV2_RUN - 1) / CONV2_RUN)), 128>>>(
            dout2, os, dx, xs, dc, dkern + r0 * kst, kst, dynamic ? dkb : nullptr, dynamic ? nullptr : dbias, T, C, W, r0, n, 1);
    }
    causal_conv_state_kernel1<<<(B * C + 255) / 256, 256>>>(dc, dx, xs, B, T, C, W);
    CK(cudaDeviceSynchronize());
    auto got = down(dout, out.size()), got2 = down(dout2, out.size());
    for (size_t r = 0; r < (size_t)rows; r++) got2[r * os + C] = 0;
    cudaFree(dout2);
    for (size_t r = 0; r < (size_t)rows; r++) got[r * os + C] = out[r * os + C] = 0; // the gap column is never written
    snprintf(name, sizeof name, "conv B%d T%d C%d W%d dynamic%d: out", B, T, C, W, dynamic); cmp(name, out, got);
    snprintf(name, sizeof name, "conv2 B%d T%d C%d W%d dynamic%d: out = kernel1's", B, T, C, W, dynamic); cmp(name, got, got2, 0.0);
    snprintf(name, sizeof name, "conv B%d T%d C%d W%d dynamic%d: cache", B, T, C, W, dynamic); cmp(name, cache, down(dc, cache.size()));
    for (int step = 0; step < 2; step++) { // decode: batch row bi reads x row rows + step*B + bi
        std::vector<float> od((size_t)B * C);
        for (int bi = 0; bi < B; bi++) for (int c = 0; c < C; c++) {
            size_t r = (size_t)rows + step * B + bi; float* row = &cache[((size_t)bi * C + c) * W];
            for (int w = 0; w < W - 1; w++) row[w] = row[w + 1];
            row[W - 1] = x[r * xs + c];
            float acc = 0;
            for (int w = 0; w < W; w++) acc += row[w] * (kern[r * kst + (size_t)c * W + w] + (dynamic ? kb[(size_t)c * W + w] : 0));
            acc += dynamic ? 0 : bias[c];
            od[(size_t)bi * C + c] = silu(acc);
        }
        float* dod = nanbuf(od.size());
        size_t r0 = (size_t)rows + step * B;
        causal_conv_step_kernel1<<<(B * C + 255) / 256, 256>>>(dod, C, dx + r0 * xs, xs, dc, dkern + r0 * kst, kst,
                                                             dynamic ? dkb : nullptr, dynamic ? nullptr : dbias, B, C, W, 1);
        CK(cudaDeviceSynchronize());
        snprintf(name, sizeof name, "conv step %d B%d C%d W%d dynamic%d: out", step, B, C, W, dynamic); cmp(name, od, down(dod, od.size()));
        snprintf(name, sizeof name, "conv step %d B%d C%d W%d dynamic%d: cache", step, B, C, W, dynamic); cmp(name, cache, down(dc, cache.size()));
        cudaFree(dod);
    }
    for (float* p : {dx, dkern, dkb, dbias, dc, dout}) cudaFree(p);
}

// conv_grad_kernel2 against kernel1's three passes (static kernel, silu after the conv, from an empty cache): dx the
// same bits (same ds, same sums in the same order); the kernel's and bias's gradients, summed in another order, each
// within n u sum|term| (u = 2^-24, n terms) of a double sum of kernel1's own ds
static void test_conv_grad(int B, int T, int C, int W, bool with_bias) {
    char name[200];
    const int rows = B * T, xs = C + 3, ys = C + 2, dxs = C + 5, runs = (T + CONV2_RUN - 1) / CONV2_RUN;
    auto x = randn((size_t)rows * xs, 1), dy = randn((size_t)rows * ys, 1), kern = randn((size_t)C * W, 0.5f), bias = randn(C, 0.5f);
    float *gx = up(x), *gdy = up(dy), *gk = up(kern), *gb = with_bias ? up(bias) : nullptr;
    float *ds = nanbuf((size_t)rows * C), *dx1 = up(std::vector<float>((size_t)rows * dxs, 0.f)), *dx2 = up(std::vector<float>((size_t)rows * dxs, 0.f));
    const long long seg = 7;
    const int segs1 = (int)((rows + seg - 1) / seg), segs2 = B * runs;
    float *p1 = nanbuf((size_t)segs1 * C * (W + 1)), *p2 = nanbuf((size_t)segs2 * C * (W + 1));
    conv_silu_grad_kernel1<<<64, 256>>>(ds, gdy, ys, gx, xs, gk, gb, T, C, W, rows);
    conv_input_grad_kernel1<<<64, 256>>>(dx1, dxs, ds, gk, T, C, W, rows);
    conv_weight_grad_kernel1<<<dim3((C + 31) / 32, segs1), dim3(32, 8)>>>(p1, ds, gx, xs, T, C, W, rows, seg);
    conv_grad_kernel2<<<dim3((C + 127) / 128, runs, B), 128>>>(dx2, dxs, p2, gdy, ys, gx, xs, gk, gb, T, C, W);
    CK(cudaDeviceSynchronize());
    snprintf(name, sizeof name, "conv grad2 B%d T%d C%d W%d: dx = kernel1's", B, T, C, W); cmp(name, down(dx1, (size_t)rows * dxs), down(dx2, (size_t)rows * dxs), 0.0);
    auto h = down(ds, (size_t)rows * C), a1 = down(p1, (size_t)segs1 * C * (W + 1)), a2 = down(p2, (size_t)segs2 * C * (W + 1));
    int bad = 0;
    double worst = 0;
    for (int e = 0; e < C * (W + 1); e++) { // e < C W: kernel tap (c, w) at c W + w; then the bias of channel e - C W
        const bool tap = e < C * W;
        const int c = tap ? e / W : e - C * W, w = tap ? e % W : 0;
        double ref = 0, mag = 0, g1 = 0, g2 = 0;
        for (int r = 0; r < rows; r++) {
            const int t = r % T, tau = t - (W - 1) + w;
            if (tap && tau < 0) continue;
            const double term = (double)h[(size_t)r * C + c] * (tap ? x[(size_t)(r - t + tau) * xs + c] : 1.0);
            ref += term;
            mag += std::fabs(term);
        }
        for (int sg = 0; sg < segs1; sg++) g1 += a1[(size_t)sg * C * (W + 1) + e];
        for (int sg = 0; sg < segs2; sg++) g2 += a2[(size_t)sg * C * (W + 1) + e];
        const double bound = rows * std::ldexp(1.0, -24) * mag + 1e-30;
        worst = std::max(worst, std::max(std::fabs(g1 - ref), std::fabs(g2 - ref)) / bound);
        bad += std::fabs(g1 - ref) > bound || std::fabs(g2 - ref) > bound || !std::isfinite(g2);
    }
    printf("%s conv grad2 B%d T%d C%d W%d bias%d: kernel and bias gradients, worst error %.3f of the bound\n", bad ? "FAIL" : "ok  ",
           B, T, C, W, with_bias, worst);
    failures += bad != 0;
    for (float* p : {gx, gdy, gk, gb, ds, dx1, dx2, p1, p2}) if (p) cudaFree(p);
}

// decode: kernel1 vs kernel2 at each block width; median over 7 runs of 50 back-to-back launches after warm-up
static void bench_decode(int B, int H, int dk, int dv) {
    float *q = up(randn((size_t)B * H * dk, 1)), *v = up(randn((size_t)B * H * dv, 1)), *ab = up(randn((size_t)B * H * 2, 1));
    float *al = up(randn(H, 1)), *dt = up(randn(H, 1)), *S = up(randn((size_t)B * H * dk * dv, 0.1f)), *o = nanbuf((size_t)B * H * dv);
    double bytes = 2.0 * B * H * dk * dv * 4;
    for (int tx : {0, 2, 4, 8, 16}) {
        auto launch = [&]() {
            if (tx == 0) gdr_decode_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(S, o, q, H * dk, q, H * dk, v, H * dv, ab, ab + H, 2 * H, al, dt, H, dk, dv, 1, 1.f);
            else decode2(tx, S, o, q, H * dk, q, H * dk, v, H * dv, ab, ab + H, 2 * H, al, dt, B, H, dk, dv, 1, 1.f);
        };
        std::vector<float> ts = launch_times(launch);
        float ms = ts[3];
        int blocks = tx ? ((dv + 4 * tx - 1) / (4 * tx)) * H * B : ((dv + 31) / 32) * H * B;
        printf("bench decode%s B%d H%d Dk%d Dv%d TX%d (%d blocks): %.2f us (%.0f GB/s of state r+w)\n", tx ? "2" : "1",
               B, H, dk, dv, tx, blocks, 1000 * ms, bytes / (ms * 1e-3) / 1e9);
    }
    for (float* p : {q, v, ab, al, dt, S, o}) cudaFree(p);
}

static void bench(int B, int T, int H, int dk, int dv) {
    int rows = B * T;
    float *q = up(randn((size_t)rows * H * dk, 1)), *v = up(randn((size_t)rows * H * dv, 1)), *ab = up(randn((size_t)rows * H * 2, 1));
    float *al = up(randn(H, 1)), *dt = up(randn(H, 1)), *S = up(randn((size_t)B * H * dk * dv, 0.1f)), *o = nanbuf((size_t)rows * H * dv);
    float *qn = nanbuf((size_t)rows * H * dk), *kn = nanbuf((size_t)rows * H * dk), *gbq = nanbuf((size_t)rows * H * 3);
    cudaEvent_t e0, e1; cudaEventCreate(&e0); cudaEventCreate(&e1);
    for (int i = 0; i < 3; i++)
        gdr_decode_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(S, o, q, H * dk, q, H * dk, v, H * dv, ab, ab + H, 2 * H, al, dt, H, dk, dv, 1, 1.f);
    cudaEventRecord(e0);
    int n = 200;
    for (int i = 0; i < n; i++)
        gdr_decode_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(S, o, q, H * dk, q, H * dk, v, H * dv, ab, ab + H, 2 * H, al, dt, H, dk, dv, 1, 1.f);
    cudaEventRecord(e1); CK(cudaEventSynchronize(e1));
    float ms; cudaEventElapsedTime(&ms, e0, e1);
    double bytes = 2.0 * B * H * dk * dv * 4;
    printf("bench decode B%d H%d Dk%d Dv%d: %.2f us per launch (state r+w %.2f MB: %.0f GB/s)\n", B, H, dk, dv, 1000 * ms / n, bytes / 1e6, bytes / (ms / n * 1e-3) / 1e9);
    gdr_prep_kernel1<<<(rows * H + 3) / 4, 128>>>(qn, kn, gbq, q, H * dk, q, H * dk, ab, ab + H, 2 * H, al, dt, rows, H, dk, 1, 1.f);
    cudaEventRecord(e0);
    gdr_prep_kernel1<<<(rows * H + 3) / 4, 128>>>(qn, kn, gbq, q, H * dk, q, H * dk, ab, ab + H, 2 * H, al, dt, rows, H, dk, 1, 1.f);
    cudaEventRecord(e1); CK(cudaEventSynchronize(e1)); cudaEventElapsedTime(&ms, e0, e1);
    printf("bench prep B%d T%d: %.3f ms\n", B, T, ms);
    cudaEventRecord(e0);
    gdr_prefill_kernel1<<<dim3((dv + 31) / 32, H, B), dim3(32, 8)>>>(S, o, qn, kn, v, H * dv, gbq, T, H, dk, dv);
    cudaEventRecord(e1); CK(cudaEventSynchronize(e1)); cudaEventElapsedTime(&ms, e0, e1);
    printf("bench prefill scan B%d T%d H%d Dk%d Dv%d: %.3f ms (%.0f tok/s for this kernel alone)\n", B, T, H, dk, dv, ms, rows / (ms * 1e-3));
    if (T >= 64) { // kernel2: chunk kernel + scan across chunks; median of 20 after 3 warm-ups
        int nc = (T + 63) / 64;
        float* work = nanbuf((size_t)GDR2_WORK(B * H * nc, dk, dv));
        cudaEvent_t e2; cudaEventCreate(&e2);
        for (int chunk = 2; chunk <= 3; chunk++) {
        std::vector<float> tc, ts;
        for (int it = 0; it < 23; it++) {
            cudaEventRecord(e0);
            if (chunk == 2) gdr_chunk_kernel2<<<dim3(nc, H, B), GDR2_THREADS>>>(work, qn, kn, v, H * dv, gbq, T, H, dk, dv);
            else launch_chunk(gdr_chunk_kernel3, dim3(nc, H, B), work, qn, kn, v, H * dv, gbq, T, H, dk, dv);
            cudaEventRecord(e1);
            gdr_prefill_kernel2<<<dim3((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), GDR2_THREADS>>>(S, o, work, T, H, dk, dv);
            cudaEventRecord(e2); CK(cudaEventSynchronize(e2));
            float a, b; cudaEventElapsedTime(&a, e0, e1); cudaEventElapsedTime(&b, e1, e2);
            if (it >= 3) { tc.push_back(a); ts.push_back(b); }
        }
        std::sort(tc.begin(), tc.end()); std::sort(ts.begin(), ts.end());
        float mc = tc[tc.size() / 2], msc = ts[ts.size() / 2];
        printf("bench prefill2 B%d T%d H%d Dk%d Dv%d: chunk%d %.3f ms + scan %.3f ms = %.3f ms (%.0f tok/s; kernel1 %.3f ms, %.1fx)\n",
               B, T, H, dk, dv, chunk, mc, msc, mc + msc, rows / ((mc + msc) * 1e-3), ms, ms / (mc + msc));
        }
        if (dk <= GDR3_MAX_DK) { // the tensor-core scan on the same work buffer
            std::vector<float> t3;
            for (int it = 0; it < 23; it++) {
                cudaEventRecord(e0);
                scan3(gdr_prefill_kernel3, dk, dim3((dv + GDR3_BV - 1) / GDR3_BV, H, B), S, o, work, T, H, dk, dv);
                cudaEventRecord(e1); CK(cudaEventSynchronize(e1));
                float a; cudaEventElapsedTime(&a, e0, e1);
                if (it >= 3) t3.push_back(a);
            }
            std::sort(t3.begin(), t3.end());
            printf("bench prefill3 B%d T%d H%d Dk%d Dv%d: scan3 median %.3f ms (min %.3f, max %.3f)\n", B, T, H, dk, dv, t3[t3.size() / 2],
                   t3[0], t3.back());
        }
        cudaFree(work);
    }
    for (float* p : {q, v, ab, al, dt, S, o, qn, kn, gbq}) cudaFree(p);
}

// One launch's times in ms over 10 runs after 2 warm-ups: median, min, max
struct Times { float median, min, max; };
template <class F> static Times times(F launch) {
    cudaEvent_t e0, e1; cudaEventCreate(&e0); cudaEventCreate(&e1);
    std::vector<float> ts;
    for (int it = 0; it < 12; it++) {
        cudaEventRecord(e0);
        launch();
        cudaEventRecord(e1); CK(cudaEventSynchronize(e1));
        float ms; cudaEventElapsedTime(&ms, e0, e1);
        if (it >= 2) ts.push_back(ms);
    }
    std::sort(ts.begin(), ts.end());
    return {ts[ts.size() / 2], ts[0], ts.back()};
}

// The chunked training kernels at the retrofit's shape, each the median of 10 launches after 2 warm-ups (their
// correctness is the Java suite's: GatedDeltaNetCudaTrainingTest against the float64 backward)
static void bench_train(int B, int T, int H, int dk, int dv) {
    const int rows = B * T, nc = (T + 63) / 64, n = B * H * nc;
    float *q = up(randn((size_t)rows * H * dk, 1)), *v = up(randn((size_t)rows * H * dv, 1)), *ab = up(randn((size_t)rows * H * 2, 1));
    float *al = up(randn(H, 1)), *dt = up(randn(H, 1)), *dO = up(randn((size_t)rows * H * dv, 1));
    float *qn = nanbuf((size_t)rows * H * dk), *kn = nanbuf((size_t)rows * H * dk), *gbq = nanbuf((size_t)rows * H * 3);
    float *work = nanbuf((size_t)GDR2_WORK(n, dk, dv)), *S = up(std::vector<float>((size_t)B * H * dk * dv, 0.f)), *o = nanbuf((size_t)rows * H * dv);
    float *ckpt = nanbuf((size_t)n * dk * dv), *dhs = nanbuf((size_t)n * dk * dv), *u = nanbuf((size_t)rows * H * dv);
    float *du = nanbuf((size_t)rows * H * dv), *mats = nanbuf((size_t)n * GDRG2_MATS(dk)), *dq = nanbuf((size_t)rows * H * dk);
    float *dkk = nanbuf((size_t)rows * H * dk), *dvv = nanbuf((size_t)rows * H * dv), *dg = nanbuf((size_t)rows * H), *db = nanbuf((size_t)rows * H);
    gdr_prep_kernel1<<<(rows * H + 3) / 4, 128>>>(qn, kn, gbq, q, H * dk, q + 1, H * dk, ab, ab + H, 2 * H, al, dt, rows, H, dk, 1, 1.f);
    const dim3 scan((dv + GDR2_BV(dk) - 1) / GDR2_BV(dk), H, B), chunks(nc, H, B);
    auto time = [&](const char* what, auto launch) {
        const Times t = times(launch);
        printf("bench train B%d T%d H%d Dk%d Dv%d %-26s median %.3f ms (min %.3f, max %.3f)\n", B, T, H, dk, dv, what, t.median, t.min, t.max);
    };
    time("gdr_chunk_kernel3", [&] { launch_chunk(gdr_chunk_kernel3, chunks, work, qn, kn, v, H * dv, gbq, T, H, dk, dv); });
    time("gdr_prefill_kernel2", [&] { gdr_prefill_kernel2<<<scan, GDR2_THREADS>>>(S, o, work, T, H, dk, dv); });
    time("gdr_prefill_wide_kernel2", [&] { gdr_prefill_wide_kernel2<<<scan, GDR2_THREADS>>>(S, o, work, T, H, dk, dv); });
    time("gdr_grad_forward_kernel2", [&] { gdr_grad_forward_kernel2<<<scan, GDR2_THREADS>>>(S, o, ckpt, u, work, T, H, dk, dv); });
    const dim3 scan3g((dv + GDR3_BV - 1) / GDR3_BV, H, B);
    time("gdr_prefill_kernel3", [&] { scan3(gdr_prefill_kernel3, dk, scan3g, S, o, work, T, H, dk, dv); });
    time("gdr_grad_forward_kernel3", [&] { scan3(gdr_grad_forward_kernel3, dk, scan3g, S, o, ckpt, u, work, T, H, dk, dv); });
    time("gdr_grad_state_kernel2", [&] { gdr_grad_state_kernel2<<<scan, GDR2_THREADS>>>(dhs, du, work, dO, T, H, dk, dv); });
    time("gdr_grad_state_kernel3", [&] { state3(dk, dim3((dv + 63) / 64, H, B), dhs, du, work, dO, T, H, dk, dv); });
    time("gdr_grad_chunk_kernel2", [&] {
        launch_chunk(gdr_grad_chunk_kernel2, chunks, dq, dkk, dvv, H * dv, dg, db, mats, qn, kn, v, H * dv, gbq, ckpt, dhs, u, du, dO, T, H, dk, dv);
    });
    std::vector<float> g = down(dg, (size_t)rows * H);
    int bad = 0;
    for (float x : g) bad += !std::isfinite(x);
    printf("bench train: %d of %d dg entries not finite\n", bad, rows * H);
    for (float* p : {q, v, ab, al, dt, dO, qn, kn, gbq, work, S, o, ckpt, dhs, u, du, mats, dq, dkk, dvv, dg, db}) cudaFree(p);
}

// The short conv's forward and backward kernels at the 2B retrofit's shape (rows 16384, the v conv: 3072 channels of
// a fused projection 8472 wide, W 4), each next to the time its compulsory bytes take at 4.2 TB/s
static void bench_conv(int rows, int T, int C, int P, int W) {
    float *x = up(randn((size_t)rows * P, 1)), *kern = up(randn((size_t)C * W, 0.5f)), *bias = up(randn(C, 0.1f));
    float *cache = up(std::vector<float>((size_t)(rows / T) * C * W, 0.f)), *out = nanbuf((size_t)rows * C), *ds = nanbuf((size_t)rows * C);
    float *dx = nanbuf((size_t)rows * P);
    const long long seg = std::max(256, (rows + 255) / 256);
    const int segs = (int)((rows + seg - 1) / seg);
    float* part = nanbuf((size_t)segs * C * (W + 1));
    const int grid = (int)std::min(65536LL, ((long long)rows * C + 255) / 256);
    auto time = [&](const char* what, double mb, auto launch) {
        const Times t = times(launch);
        printf("bench conv rows %d C %d W %d %-26s median %.3f ms (min %.3f, max %.3f); %.0f MB at 4.2 TB/s: %.3f ms\n", rows, C, W, what,
               t.median, t.min, t.max, mb, mb / 4.2e3);
    };
    const double m = (double)rows * C * 4 / 1e6;
    time("causal_conv_kernel1", 2 * m, [&] {
        causal_conv_kernel1<<<grid, 256>>>(out, C, x, P, cache, kern, 0, nullptr, bias, T, C, W, 0, rows, 1);
    });
    time("conv_silu_grad_kernel1", 3 * m, [&] { conv_silu_grad_kernel1<<<grid, 256>>>(ds, out, C, x, P, kern, bias, T, C, W, rows); });
    time("conv_input_grad_kernel1", 2 * m, [&] { conv_input_grad_kernel1<<<grid, 256>>>(dx, P, ds, kern, T, C, W, rows); });
    time("conv_weight_grad_kernel1", 2 * m, [&] {
        conv_weight_grad_kernel1<<<dim3((C + 31) / 32, segs), dim3(32, 8)>>>(part, ds, x, P, T, C, W, rows, seg);
    });
    time("causal_conv_kernel2", 2 * m, [&] {
        causal_conv_kernel2<<<dim3((C + 127) / 128, (rows + CONV2_RUN - 1) / CONV2_RUN), 128>>>(out, C, x, P, cache, kern, 0, nullptr, bias, T,
                                                                                           C, W, 0, rows, 1);
    });
    const int runs = (T + CONV2_RUN - 1) / CONV2_RUN;
    float* part2 = nanbuf((size_t)(rows / T) * runs * C * (W + 1));
    time("conv_grad_kernel2 (all 3)", 3 * m, [&] {
        conv_grad_kernel2<<<dim3((C + 127) / 128, runs, rows / T), 128>>>(dx, P, part2, out, C, x, P, kern, bias, T, C, W);
    });
    cudaFree(part2);
    for (float* p : {x, kern, bias, cache, out, ds, dx, part}) cudaFree(p);
}

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "train") { // the training kernels alone (e.g. under ncu)
        bench_train(8, 2048, 12, 96, 256);
        bench_conv(8 * 2048, 2048, 3072, 8472, 4);
        return 0;
    }
    test_gdr(3, 65, 3, 5, 15, 0, 2.f);    // GDN odd config: Dk 5, Dv 15, allow_neg_eigval
    test_gdr(1, 63, 2, 8, 16, 0, 1.f);
    test_gdr(3, 7, 3, 7, 14, 1, 1.f);     // JetBlock odd config with silu on q, k
    test_gdr(1, 100, 2, 96, 256, 1, 1.f); // Jet-Nemotron-2B head
    test_gdr(2, 33, 1, 256, 40, 0, 1.f);  // Dk at its maximum
    test_gdr(3, 200, 2, 256, 33, 1, 1.f); // Dk at its maximum over several chunks, T not a multiple of 64
    test_gdr(1, 128, 2, 33, 17, 0, 2.f);  // two full chunks, odd Dk/Dv
    test_gdr(3, 150, 2, 128, 70, 0, 2.f); // the widest Dk of 32-column scan slices
    test_gdr(1, 4096, 2, 96, 256, 1, 1.f); // many chunks at the 2B head shape
    test_decode3(1, 12, 96, 256, 4, true, false);        // the 2B JetBlock layer
    test_decode3(1, 12, 96, 256, 4, true, true, 1536);   // ... with a and b from the block input, as JetBlockCuda runs it
    test_decode3(3, 2, 33, 17, 3, true, true, 37);       // odd Dk, Dv, D: one block per head, its last threads past Dv
    test_decode3(2, 3, 256, 40, 4, false, false);        // gated DeltaNet's use: no conv, no gates; Dk at its maximum
    test_decode3(5, 1, 8, 100, 2, true, false);          // 4 blocks per head, the last one partly past Dv
    test_grad_norm(65, 3, 15);
    test_grad_norm(7, 2, 256);
    test_grad_norm(100, 12, 33);
    test_conv(3, 65, 37, 4, 0);
    test_conv(3, 2, 33, 4, 1);            // T < W - 1: the cache reaches further
    test_conv(1, 500, 300, 3, 1);
    test_conv_grad(3, 65, 37, 4, true);
    test_conv_grad(2, 2, 33, 4, false);   // T < W - 1
    test_conv_grad(1, 500, 300, 3, true);
    test_conv_grad(2, 100, 5, 8, true);   // W at CONV_GRAD_MAX_W
    bench(1, 4096, 12, 96, 256);
    bench(1, 1024, 12, 96, 256);
    bench(64, 1, 12, 96, 256);
    for (int B : {1, 8, 64, 128}) bench_decode(B, 12, 96, 256);
    for (int B : {1, 8, 64, 128}) bench_decode3(B, 12, 96, 256, 4);
    bench_train(8, 2048, 12, 96, 256);
    bench_conv(8 * 2048, 2048, 3072, 8472, 4);
    printf(failures ? "FAILED: %d\n" : "all ok\n", failures);
    return failures != 0;
}
