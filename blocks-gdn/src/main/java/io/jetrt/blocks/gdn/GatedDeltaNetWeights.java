package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaWeights;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * One Gated DeltaNet layer's weights as flat arrays, names as fla's {@code state_dict()} (BLOCKS.md §5); those the
 * family shares are {@link GatedDeltaWeights}'s. Gated DeltaNet's own, the short convs:
 *
 * @param qConv {@code q_conv1d.weight [H·Dk, 1, W]}
 * @param kConv {@code k_conv1d.weight [H·Dk, 1, W]}
 * @param vConv {@code v_conv1d.weight [H·Dv, 1, W]}
 * @param qBias {@code q_conv1d.bias [H·Dk]}, null without conv_bias
 * @param kBias {@code k_conv1d.bias [H·Dk]}, null without conv_bias
 * @param vBias {@code v_conv1d.bias [H·Dv]}, null without conv_bias
 */
record GatedDeltaNetWeights(float[] q, float[] k, float[] v, float[] a, float[] b, float[] aLog, float[] dtBias,
                            float[] qConv, float[] kConv, float[] vConv, float[] qBias, float[] kBias, float[] vBias,
                            float[] gate, float[] oNorm, float[] o) implements GatedDeltaWeights {

    static final String Q_CONV = "q_conv1d.weight", K_CONV = "k_conv1d.weight", V_CONV = "v_conv1d.weight",
            Q_BIAS = "q_conv1d.bias", K_BIAS = "k_conv1d.bias", V_BIAS = "v_conv1d.bias";

    static List<WeightDecl> declare(GatedDeltaNetConfig c) {
        int kd = c.keyDim(), vd = c.valueDim(), w = c.convSize();
        List<WeightDecl> l = new ArrayList<>(GatedDeltaWeights.inputs(c));
        l.add(WeightDecl.of(Q_CONV, kd, 1, w));
        l.add(WeightDecl.of(K_CONV, kd, 1, w));
        l.add(WeightDecl.of(V_CONV, vd, 1, w));
        if (c.convBias()) {
            l.add(WeightDecl.of(Q_BIAS, kd));
            l.add(WeightDecl.of(K_BIAS, kd));
            l.add(WeightDecl.of(V_BIAS, vd));
        }
        l.addAll(GatedDeltaWeights.outputs(c));
        return List.copyOf(l);
    }

    static GatedDeltaNetWeights from(GatedDeltaNetConfig c, Weights w) {
        boolean bias = c.convBias();
        return new GatedDeltaNetWeights(w.get(Q).data(), w.get(K).data(), w.get(V).data(), w.get(A).data(),
                w.get(B).data(), w.get(A_LOG).data(), w.get(DT_BIAS).data(), w.get(Q_CONV).data(), w.get(K_CONV).data(),
                w.get(V_CONV).data(), bias ? w.get(Q_BIAS).data() : null, bias ? w.get(K_BIAS).data() : null,
                bias ? w.get(V_BIAS).data() : null, w.get(G).data(), w.get(O_NORM).data(), w.get(O).data());
    }
}
