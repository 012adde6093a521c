package io.jetrt.blocks.fullattn;

import io.jetrt.spi.Weights;

/** The projection weights of one attention layer: q/k/v {@code [out, D]} with optional bias, o {@code [D, H·Dh]}. */
record AttentionWeights(float[] q, float[] qBias, float[] k, float[] kBias, float[] v, float[] vBias, float[] o) {

    AttentionWeights(AttentionConfig cfg, Weights w) {
        this(w.get("q_proj.weight").data(), bias(cfg, w, "q_proj.bias"),
             w.get("k_proj.weight").data(), bias(cfg, w, "k_proj.bias"),
             w.get("v_proj.weight").data(), bias(cfg, w, "v_proj.bias"),
             w.get("o_proj.weight").data());
    }

    private static float[] bias(AttentionConfig cfg, Weights w, String name) {
        return cfg.qkvBias() ? w.get(name).data() : null;
    }
}
