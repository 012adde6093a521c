package io.jetrt.blocks.common;

import io.jetrt.spi.WeightDecl;

import java.util.List;

/**
 * The weights every block of the gated-delta family has, as flat {@code [out, in]} row-major arrays under the
 * upstream names (BLOCKS.md §1.2, §5), relative to the layer's block prefix. A block's weights record adds its
 * q/k/v front end (JetBlock's kernel generator, gated DeltaNet's short convs) and implements this.
 */
public interface GatedDeltaWeights {
    String Q = "q_proj.weight", K = "k_proj.weight", V = "v_proj.weight", A = "a_proj.weight", B = "b_proj.weight",
            A_LOG = "A_log", DT_BIAS = "dt_bias", G = "g_proj.weight", O_NORM = "o_norm.weight", O = "o_proj.weight";

    /** The input projections in the column order of the one fused projection the CUDA training passes run. */
    List<String> STACKED_INPUTS = List.of(Q, K, V, G, A, B);

    /** {@code q_proj.weight [H·Dk, D]}. */
    float[] q();

    /** {@code k_proj.weight [H·Dk, D]}. */
    float[] k();

    /** {@code v_proj.weight [H·Dv, D]}. */
    float[] v();

    /** {@code a_proj.weight [H, D]}, the decay input. */
    float[] a();

    /** {@code b_proj.weight [H, D]}, beta. */
    float[] b();

    /** {@code A_log [H]}. */
    float[] aLog();

    /** {@code dt_bias [H]}. */
    float[] dtBias();

    /** {@code g_proj.weight [H·Dv, D]}. */
    float[] gate();

    /** {@code o_norm.weight [Dv]}, shared by all heads. */
    float[] oNorm();

    /** {@code o_proj.weight [D, H·Dv]}. */
    float[] o();

    /** The declarations before a block's front end, in upstream order: q, k, v, a, b, A_log, dt_bias. */
    static List<WeightDecl> inputs(GatedDeltaConfig c) {
        int d = c.hiddenSize(), h = c.numHeads();
        return List.of(
                WeightDecl.of(Q, c.keyDim(), d),
                WeightDecl.of(K, c.keyDim(), d),
                WeightDecl.of(V, c.valueDim(), d),
                WeightDecl.of(A, h, d),
                WeightDecl.of(B, h, d),
                WeightDecl.of(A_LOG, h),
                WeightDecl.of(DT_BIAS, h));
    }

    /** The declarations after it: g_proj, o_norm, o_proj. */
    static List<WeightDecl> outputs(GatedDeltaConfig c) {
        return List.of(
                WeightDecl.of(G, c.valueDim(), c.hiddenSize()),
                WeightDecl.of(O_NORM, c.dv()),
                WeightDecl.of(O, c.hiddenSize(), c.valueDim()));
    }
}
