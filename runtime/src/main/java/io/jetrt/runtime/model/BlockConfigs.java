package io.jetrt.runtime.model;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.spi.BlockConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyper-parameters a layer's block gets, from the model config: attention layers from the Qwen2
 * fields, the rest from {@code efficient_attention_config.<type>}. A linear block swapped in where the
 * config has no section of its own is sized like the model's JetBlock (same heads and head dims), so that
 * variants compare at equal width; Mamba2 falls back to its upstream defaults.
 */
public final class BlockConfigs {
    private BlockConfigs() {}

    public static BlockConfig forLayer(ModelConfig m, int layer, String type) {
        String where = m.source() + " layer " + layer + " (" + type + ")";
        Map<String, Object> p = new LinkedHashMap<>();
        switch (type) {
            case "attn", "swa" -> {
                p.put("hidden_size", m.hiddenSize());
                p.put("num_attention_heads", m.numHeads());
                p.put("num_key_value_heads", m.numKvHeads());
                p.put("head_dim", m.headDim());
                p.put("rope_theta", m.ropeTheta());
                p.put("qkv_bias", true);
                if (type.equals("swa")) {
                    Object w = m.blockSection("swa").get("window_size");
                    if (w == null) throw new IllegalArgumentException(where + ": efficient_attention_config.swa.window_size must be set for a swa layer; it is missing");
                    p.put("sliding_window", w);
                }
            }
            case "mamba2" -> p.putAll(m.blockSection("mamba2"));
            default -> {
                Map<String, Object> own = m.blockSection(type);
                p.putAll(own.isEmpty() ? linearDefaults(m) : own);
            }
        }
        p.put("hidden_size", m.hiddenSize());
        p.putIfAbsent("initializer_range", m.initializerRange());
        return new BlockConfig(where, p);
    }

    /** The JetBlock section when there is one, else heads and dims from the attention config. */
    private static Map<String, Object> linearDefaults(ModelConfig m) {
        Map<String, Object> jet = m.blockSection("jet");
        if (!jet.isEmpty()) return jet;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("num_heads", m.numHeads());
        p.put("head_dim", m.headDim());
        p.put("expand_v", 2.0);
        p.put("conv_size", 4);
        p.put("dconv_generator_reduction", 8);
        p.put("norm_eps", 1e-5);
        return p;
    }
}
