/*
jetblock.cu: Jet-Nemotron's JetBlock (BLOCKS.md §3) on the GPU. The Java launcher is
blocks-jetblock io.jetrt.blocks.jetblock.JetBlockCuda; the Java references are JetBlockReference (per token)
and JetBlockCpu (per chunk). Tests: blocks-jetblock/src/test/java/io/jetrt/blocks/jetblock/JetBlockCudaTest.java.

From blocks-common/src/cuda (the build adds -I blocks-common/src/cuda), shared with Gated DeltaNet:
  causal_conv.cuh       causal_conv_kernel1, causal_conv_state_kernel1, causal_conv_step_kernel1: here the
                        dynamic conv on values, a kernel per token (kern_stride = value_dim*W) plus the
                        generator's bias b2 (kbias), silu after it; and conv_state [B, value_dim, W].
  gated_delta_rule.cuh  gdr_prep_kernel1 (with silu_qk = 1: q = silu(Wq x), k = silu(Wk x), then the L2 norm),
                        gdr_prefill_kernel1, gdr_decode_kernel1/2 (silu_qk = 1; kernel2 runs, kernel1 is
                        its reference), gdr_out_norm_kernel1/2 (likewise).
  gated_delta_grad.cuh  training: the rule's and the gated norm's backward (JetBlockCudaTrainer, through
                        GatedDeltaHeadsCuda).
JetBlock's own kernels (version 1 each):
  jetblock_silu_kernel1  x = silu(x) in place (the kernel generator's hidden layer, JetBlockCpu.dynamicConv).
                         Grid-stride, any grid, block 256.
  jetblock_silu_kernel2  out [rows, cols] = silu(x) from columns of a wider matrix (x_stride apart): in decode the
                         generator's hidden layer comes out of the one gemv of [W_all; w1], as columns of proj.
Training, the dynamic conv's backward from an empty cache (Java reference: FastDynamicConv.backward and
FastActivation.siluBackward). With v[t, c] = silu(s[t, c]), s[t, c] = sum_w v0[t-(W-1)+w, c] K[t, c, w], K = kern + b2
(v0 before t = 0 is zero):
  dynconv_silu_grad_kernel1    ds [rows, C] = dv * silu'(s), s recomputed. Grid-stride, block 256.
  dynconv_input_grad_kernel1   dv0[tau, c] = sum_w K[tau + (W-1) - w, c, w] ds[tau + (W-1) - w, c] over the outputs
                               inside the sequence. Grid-stride, block 256.
  dynconv_kernel_grad_kernel1  dK [rows, C*W]: dK[t, c*W+w] = ds[t, c] v0[t-(W-1)+w, c] (0 before token 0): b2's
                               gradient is its column sum. Grid-stride, block 256.
  jetblock_silu_grad_kernel1   dh *= silu'(h) in place (the generator's hidden layer). Grid-stride, block 256.

One step, as JetBlockCuda runs its prefill (a decode step: one gemv of [W_all; w1], jetblock_silu_kernel2, the w2
gemv, gdr_decode_kernel3 for the conv step, a and b, the rule and the norm, then o_proj):
  proj = x [rows, D] . W_all^T, W_all = [q_proj; k_proj; v_proj; g_proj; a_proj; b_proj] (bf16)   (one GEMM)
  kern = w2(silu(w1 x))   [rows, value_dim*W], in blocks of rows (two GEMMs + jetblock_silu_kernel1)
  v    = silu(dynconv(proj[:, v0], kern + b2))           causal_conv_kernel1 (+ causal_conv_state_kernel1)
  o    = gated delta rule(silu(q), silu(k), v, a, b)     prep + prefill scan, or one decode kernel
  o    = RMSNorm_Dv(o) * w * silu(gate)                 gdr_out_norm_kernel2
  y    = o . o_proj^T                                  (one GEMM)
*/
#include "common.cuh"        // silu_f and the reductions
#include "causal_conv.cuh"
#include "gated_delta_rule.cuh"
#include "gated_delta_grad.cuh"   // training: the rule's and the gated norm's backward

extern "C" __global__ void jetblock_silu_kernel1(float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        x[i] = silu_f(x[i]);
    }
}

extern "C" __global__ void jetblock_silu_kernel2(float* __restrict__ out, const float* __restrict__ x, int x_stride, int rows, int cols) {
    long long n = (long long)rows * cols;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        out[i] = silu_f(x[(i / cols) * x_stride + i % cols]);
    }
}

extern "C" __global__ void dynconv_silu_grad_kernel1(float* __restrict__ ds, const float* __restrict__ dv, int dv_stride,
                                                     const float* __restrict__ v0, int v0_stride, const float* __restrict__ kern,
                                                     const float* __restrict__ kbias, int tokens, int channels, int width,
                                                     long long rows) {
    long long n = rows * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / channels;
        int c = (int)(e % channels);
        int t = (int)(r % tokens);
        const float* kr = kern + r * channels * width + (long long)c * width;
        float s = 0.0f;
        for (int w = 0; w < width; w++) {
            int tau = t - (width - 1) + w;
            if (tau >= 0) s += v0[(r - t + tau) * v0_stride + c] * (kr[w] + kbias[(long long)c * width + w]);
        }
        ds[e] = dv[r * dv_stride + c] * dsilu_f(s);
    }
}

extern "C" __global__ void dynconv_input_grad_kernel1(float* __restrict__ dv0, int dv0_stride, const float* __restrict__ ds,
                                                      const float* __restrict__ kern, const float* __restrict__ kbias,
                                                      int tokens, int channels, int width, long long rows) {
    long long n = rows * channels;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / channels;
        int c = (int)(e % channels);
        int tau = (int)(r % tokens);
        float acc = 0.0f;
        for (int w = 0; w < width; w++) {
            int t = tau + width - 1 - w; // the output this tap of v0[tau] feeds
            if (t >= tokens) continue;
            long long rt = r - tau + t;
            acc += (kern[(rt * channels + c) * width + w] + kbias[(long long)c * width + w]) * ds[rt * channels + c];
        }
        dv0[r * dv0_stride + c] = acc;
    }
}

extern "C" __global__ void dynconv_kernel_grad_kernel1(float* __restrict__ dkern, const float* __restrict__ ds,
                                                       const float* __restrict__ v0, int v0_stride, int tokens, int channels,
                                                       int width, long long rows) {
    long long n = rows * channels * width;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
        long long r = e / ((long long)channels * width);
        int cw = (int)(e % ((long long)channels * width)), c = cw / width, w = cw % width;
        int t = (int)(r % tokens), tau = t - (width - 1) + w;
        dkern[e] = tau >= 0 ? ds[r * channels + c] * v0[(r - t + tau) * v0_stride + c] : 0.0f;
    }
}

extern "C" __global__ void jetblock_silu_grad_kernel1(float* __restrict__ dh, const float* __restrict__ h, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        dh[i] *= dsilu_f(h[i]);
    }
}
