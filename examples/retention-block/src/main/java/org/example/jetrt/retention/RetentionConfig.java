package org.example.jetrt.retention;

import io.jetrt.spi.BlockConfig;

/**
 * Hyper-parameters of a multi-scale retention layer, under fla's names: {@code hidden_size} (D),
 * {@code num_heads} (H), {@code head_dim} (Dk), {@code expand_v} (Dv = int(Dk·expand_v), default 2 as in
 * fla), {@code initializer_range} (default 0.02). Other keys are ignored, so a JetBlock section
 * ({@code conv_size}, {@code norm_eps}, ...) sizes a retention layer swapped in for a JetBlock.
 */
record RetentionConfig(int hidden, int heads, int dk, int dv, double initRange) {

    /** RMS group norm epsilon: fixed, the norm has no weight. */
    static final float NORM_EPS = 1e-6f;

    static RetentionConfig from(BlockConfig c) {
        int hidden = c.intParam("hidden_size");
        int heads = c.intParam("num_heads");
        int dk = c.intParam("head_dim");
        double expandV = c.doubleParam("expand_v", 2.0);
        double initRange = c.doubleParam("initializer_range", 0.02);
        require(c, hidden > 0, "hidden_size", "> 0", hidden);
        require(c, heads > 0, "num_heads", "> 0", heads);
        require(c, dk > 0, "head_dim", "> 0", dk);
        require(c, expandV > 0 && Double.isFinite(expandV) && (int) (dk * expandV) >= 1, "expand_v",
                "a finite number > 0 with int(head_dim·expand_v) >= 1", expandV);
        require(c, initRange > 0 && Double.isFinite(initRange), "initializer_range", "a finite number > 0", initRange);
        return new RetentionConfig(hidden, heads, dk, (int) (dk * expandV), initRange);
    }

    private static void require(BlockConfig c, boolean ok, String field, String expectation, Object got) {
        if (!ok) throw new IllegalArgumentException(c.where() + ": " + field + " must be " + expectation + "; got " + got);
    }

    /** H·Dk: width of q and k. */
    int keyDim() { return heads * dk; }

    /** H·Dv: width of v, g and the gated output. */
    int valueDim() { return heads * dv; }

    /**
     * Decay of head h, γ_h = 1 − 2^(−5−h): head 0 forgets with a time constant of 32 tokens, each next head
     * twice as slowly. In float32 it rounds to exactly 1 from head 20 on (no decay).
     */
    float gamma(int h) { return (float) (1.0 - Math.pow(2.0, -5 - h)); }

    /** Dk^−0.5, applied to the read-out Sᵀq. */
    float scale() { return (float) (1.0 / Math.sqrt(dk)); }
}
