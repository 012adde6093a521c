package io.jetrt.blocks.jetblock;

import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.List;

/**
 * One JetBlock layer's weights as flat arrays, {@code [out, in]} row-major (BLOCKS.md §1.2). Names are
 * relative to the layer's {@code self_attn.} prefix.
 *
 * @param q      {@code q_proj.weight [H·Dk, D]}
 * @param k      {@code k_proj.weight [H·Dk, D]}
 * @param v      {@code v_proj.weight [H·Dv, D]}
 * @param a      {@code a_proj.weight [H, D]} (decay input)
 * @param b      {@code b_proj.weight [H, D]} (beta)
 * @param aLog   {@code A_log [H]}
 * @param dtBias {@code dt_bias [H]}
 * @param w1     {@code kernel_generator.w1.weight [value_dim/r, D]}, no bias
 * @param w2     {@code kernel_generator.w2.weight [value_dim·W, value_dim/r]}
 * @param b2     {@code kernel_generator.w2.bias [value_dim·W]}
 * @param gate   {@code g_proj.weight [H·Dv, D]}
 * @param oNorm  {@code o_norm.weight [Dv]}, shared by all heads
 * @param o      {@code o_proj.weight [D, H·Dv]}
 */
record JetBlockWeights(float[] q, float[] k, float[] v, float[] a, float[] b, float[] aLog, float[] dtBias,
                       float[] w1, float[] w2, float[] b2, float[] gate, float[] oNorm, float[] o) {

    static final String Q = "q_proj.weight", K = "k_proj.weight", V = "v_proj.weight", A = "a_proj.weight",
            B = "b_proj.weight", A_LOG = "A_log", DT_BIAS = "dt_bias",
            W1 = "dynamic_conv1d.kernel_generator.w1.weight", W2 = "dynamic_conv1d.kernel_generator.w2.weight",
            B2 = "dynamic_conv1d.kernel_generator.w2.bias", G = "g_proj.weight", O_NORM = "o_norm.weight",
            O = "o_proj.weight";

    static List<WeightDecl> declare(JetBlockConfig c) {
        int d = c.hiddenSize(), h = c.numHeads(), vd = c.valueDim(), gh = c.generatorHidden(), kw = vd * c.convSize();
        return List.of(
                WeightDecl.of(Q, c.keyDim(), d),
                WeightDecl.of(K, c.keyDim(), d),
                WeightDecl.of(V, vd, d),
                WeightDecl.of(A, h, d),
                WeightDecl.of(B, h, d),
                WeightDecl.of(A_LOG, h),
                WeightDecl.of(DT_BIAS, h),
                WeightDecl.of(W1, gh, d),
                WeightDecl.of(W2, kw, gh),
                WeightDecl.of(B2, kw),
                WeightDecl.of(G, vd, d),
                WeightDecl.of(O_NORM, c.dv()),
                WeightDecl.of(O, d, vd));
    }

    static JetBlockWeights from(Weights w) {
        return new JetBlockWeights(w.get(Q).data(), w.get(K).data(), w.get(V).data(), w.get(A).data(), w.get(B).data(),
                w.get(A_LOG).data(), w.get(DT_BIAS).data(), w.get(W1).data(), w.get(W2).data(), w.get(B2).data(),
                w.get(G).data(), w.get(O_NORM).data(), w.get(O).data());
    }
}
