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
                        its reference), gdr_out_norm_kernel1.
JetBlock's own kernel:
  jetblock_silu_kernel1  x = silu(x) in place (the kernel generator's hidden layer, JetBlockCpu.dynamicConv).
                         Grid-stride, any grid, block 256.

One step, as JetBlockCuda runs it:
  proj = x [rows, D] . W_all^T, W_all = [q_proj; k_proj; v_proj; g_proj; a_proj; b_proj] (bf16)   (one GEMM)
  kern = w2(silu(w1 x))   [rows, value_dim*W], in blocks of rows (two GEMMs + jetblock_silu_kernel1)
  v    = silu(dynconv(proj[:, v0], kern + b2))           causal_conv_kernel1 (+ causal_conv_state_kernel1)
  o    = gated delta rule(silu(q), silu(k), v, a, b)     prep + prefill scan, or one decode kernel
  o    = RMSNorm_Dv(o) * w * silu(gate)                 gdr_out_norm_kernel1
  y    = o . o_proj^T                                  (one GEMM)
*/
#include "common.cuh"        // silu_f and the reductions
#include "causal_conv.cuh"
#include "gated_delta_rule.cuh"

extern "C" __global__ void jetblock_silu_kernel1(float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        x[i] = silu_f(x[i]);
    }
}
