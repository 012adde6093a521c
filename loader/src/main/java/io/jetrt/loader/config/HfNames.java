package io.jetrt.loader.config;

/**
 * Checkpoint key names of a Qwen2 / Jet-Nemotron decoder, exactly as Hugging Face writes them
 * (BLOCKS.md §1.2). A layer's mixer lives under {@link #blockPrefix}, whatever its type.
 */
public final class HfNames {
    private HfNames() {}

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    /** Absent when the head is tied to the embedding. */
    public static final String LM_HEAD = "lm_head.weight";

    public static String layer(int i) { return "model.layers." + i + "."; }

    public static String inputNorm(int i) { return layer(i) + "input_layernorm.weight"; }

    public static String postNorm(int i) { return layer(i) + "post_attention_layernorm.weight"; }

    public static String gateProj(int i) { return layer(i) + "mlp.gate_proj.weight"; }

    public static String upProj(int i) { return layer(i) + "mlp.up_proj.weight"; }

    public static String downProj(int i) { return layer(i) + "mlp.down_proj.weight"; }

    /** Prefix of the layer's attention-like block, e.g. {@code model.layers.3.self_attn.}. */
    public static String blockPrefix(int i) { return layer(i) + "self_attn."; }
}
