package io.jetrt.blocks.fullattn;

import io.jetrt.spi.BlockConfig;

/**
 * Hyper-parameters of a Qwen2-style GQA attention layer (BLOCKS.md §4), under the upstream names.
 *
 * @param window sliding window in tokens (a query at i sees keys i−window < j ≤ i); 0 for full attention
 */
public record AttentionConfig(int hidden, int heads, int kvHeads, int headDim, double ropeTheta, boolean qkvBias,
                              int window, double initRange) {

    public static AttentionConfig from(BlockConfig c, boolean sliding) {
        int hidden = c.intParam("hidden_size");
        int heads = c.intParam("num_attention_heads");
        int kvHeads = c.intParam("num_key_value_heads", heads);
        int headDim = c.intParam("head_dim", heads > 0 ? hidden / heads : 0);
        int window = sliding ? c.intParam("sliding_window") : 0;
        AttentionConfig a = new AttentionConfig(hidden, heads, kvHeads, headDim, c.doubleParam("rope_theta", 10000.0),
                c.boolParam("qkv_bias", true), window, c.doubleParam("initializer_range", 0.02));
        a.validate(c.where(), sliding);
        return a;
    }

    private void validate(String where, boolean sliding) {
        require(where, hidden > 0, "hidden_size", "> 0", hidden);
        require(where, heads > 0, "num_attention_heads", "> 0", heads);
        require(where, kvHeads > 0 && heads % kvHeads == 0, "num_key_value_heads", "> 0 and divide num_attention_heads (" + heads + ")", kvHeads);
        require(where, headDim > 0 && headDim % 2 == 0, "head_dim", "even and > 0 (RoPE rotates halves)", headDim);
        require(where, ropeTheta > 0, "rope_theta", "> 0", ropeTheta);
        if (sliding) require(where, window > 0, "sliding_window", "> 0 for a sliding-window layer", window);
    }

    private static void require(String where, boolean ok, String field, String expectation, Object got) {
        if (!ok) throw new IllegalArgumentException(where + ": " + field + " must be " + expectation + "; got " + got);
    }

    public int qDim() { return heads * headDim; }

    public int kvDim() { return kvHeads * headDim; }

    /** Query heads per KV head: query head h reads KV head h / group. */
    public int group() { return heads / kvHeads; }

    public boolean sliding() { return window > 0; }

    /** Cache length kept per sequence: the window, or the capacity for full attention. */
    public int cacheLength(int capacity) { return sliding() ? window : capacity; }
}
