/*
gdn.cu: fla Gated DeltaNet (BLOCKS.md §5) on the GPU. The Java launcher is
blocks-gdn io.jetrt.blocks.gdn.GatedDeltaNetCuda; the Java references are GatedDeltaNetReference (per token)
and GatedDeltaNetCpu (per chunk). Tests: blocks-gdn/src/test/java/io/jetrt/blocks/gdn/GatedDeltaNetCudaTest.java.

Gated DeltaNet has no kernel of its own: its parts are the ones JetBlock shares, from blocks-common/src/cuda
(the build adds -I blocks-common/src/cuda):
  causal_conv.cuh       causal_conv_kernel1, causal_conv_state_kernel1, causal_conv_step_kernel1:
                        the q/k/v short convs (static weight [C, W], optional bias, silu) and their caches.
  gated_delta_rule.cuh  gdr_prep_kernel1, gdr_prefill_kernel1, gdr_decode_kernel1/2, gdr_out_norm_kernel1/2 (kernel2s run):
                        q/k L2 norm, g and beta, the delta-rule scan (prefill) and step (decode), gated RMSNorm.
Their headers say what each computes and how it is launched.

One step, as GatedDeltaNetCuda runs it:
  proj = x [rows, D] . W_all^T, W_all = [q_proj; k_proj; v_proj; g_proj; a_proj; b_proj] (bf16)  (one GEMM)
  qkv  = silu(shortconv(proj[:, 0 : 2Kd+Vd]))          three conv launches (one per cache slot)
  o    = gated delta rule(qkv, a, b)                   prep + prefill scan, or one decode kernel
  o    = RMSNorm_Dv(o) * w * silu(gate)                 gdr_out_norm_kernel2
  y    = o . o_proj^T                                  (one GEMM)
*/
#include "common.cuh"        // silu_f and the reductions
#include "causal_conv.cuh"
#include "gated_delta_rule.cuh"
#include "gated_delta_grad.cuh"   // training: the rule's and the gated norm's backward
#include "causal_conv_grad.cuh"   // training: the short convs' backward
