package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * One JetBlock layer's weights as flat arrays, {@code [out, in]} row-major (BLOCKS.md §1.2). Names are
 * relative to the layer's {@code self_attn.} prefix; those the family shares are {@link GatedDeltaWeights}'s.
 * JetBlock's own, the dynamic conv's kernel generator:
 *
 * @param w1 {@code kernel_generator.w1.weight [value_dim/r, D]}, no bias
 * @param w2 {@code kernel_generator.w2.weight [value_dim·W, value_dim/r]}
 * @param b2 {@code kernel_generator.w2.bias [value_dim·W]}
 */
record JetBlockWeights(float[] q, float[] k, float[] v, float[] a, float[] b, float[] aLog, float[] dtBias,
                       float[] w1, float[] w2, float[] b2, float[] gate, float[] oNorm, float[] o) implements GatedDeltaWeights {

    static final String W1 = "dynamic_conv1d.kernel_generator.w1.weight", W2 = "dynamic_conv1d.kernel_generator.w2.weight",
            B2 = "dynamic_conv1d.kernel_generator.w2.bias";

    static List<WeightDecl> declare(JetBlockConfig c) {
        int gh = c.generatorHidden(), kw = c.valueDim() * c.convSize();
        List<WeightDecl> l = new ArrayList<>(GatedDeltaWeights.inputs(c));
        l.add(WeightDecl.of(W1, gh, c.hiddenSize()));
        l.add(WeightDecl.of(W2, kw, gh));
        l.add(WeightDecl.of(B2, kw));
        l.addAll(GatedDeltaWeights.outputs(c));
        return List.copyOf(l);
    }

    static JetBlockWeights from(Weights w) {
        return new JetBlockWeights(w.get(Q).data(), w.get(K).data(), w.get(V).data(), w.get(A).data(), w.get(B).data(),
                w.get(A_LOG).data(), w.get(DT_BIAS).data(), w.get(W1).data(), w.get(W2).data(), w.get(B2).data(),
                w.get(G).data(), w.get(O_NORM).data(), w.get(O).data());
    }
}
