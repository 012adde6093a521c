package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.testkit.CentralDifferences;
import io.jetrt.blocks.testkit.CpuTrainingCheck;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Attention's float32 CPU training path ({@link AttentionFastGrad}) against the float64 reference
 * ({@link AttentionBackward}; the forward against the reference block) and its determinism, for full and
 * sliding-window attention at awkward shapes: T = 1, 63, 65, 200, batch 1 and 3, odd hidden sizes, GQA groups of 1, 2
 * and 3, with and without q/k/v bias, windows of 1 (each query sees itself only), shorter than T, and longer.
 *
 * <p>Error model: {@link CpuTrainingCheck}'s, with the chain's dot lengths
 * {@code K = D (q/k/v projections) + G·T·Dh (scores over Dh; o, dq over up to T keys; dk, dv over T queries of G
 * heads) + H·Dh (o_proj) + B·T (weight gradients over rows)}.
 */
class AttentionCpuTrainingTest {
    @ParameterizedTest(name = "D={0} H={1}/{2} Dh={3} window={4} bias={5} B={6} T={7}")
    @CsvSource({
            "13, 3, 1, 6, 0, true, 1, 1",
            "13, 3, 1, 6, 0, true, 3, 1",
            "13, 3, 1, 6, 0, true, 1, 63",
            "13, 4, 2, 4, 0, false, 3, 65",
            "9, 2, 2, 10, 0, true, 3, 200",
            "13, 3, 1, 6, 7, true, 3, 63",
            "13, 4, 2, 4, 16, false, 1, 65",
            "9, 2, 2, 10, 33, true, 3, 200",
            "9, 2, 1, 2, 1, true, 3, 65",
            "9, 2, 1, 2, 300, false, 1, 200"})
    void cpuMatchesTheReferenceAndIsReproducible(int hidden, int heads, int kvHeads, int headDim, int window, boolean bias,
                                                 int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_attention_heads", heads);
        p.put("num_key_value_heads", kvHeads);
        p.put("head_dim", headDim);
        p.put("rope_theta", 10000.0);
        p.put("qkv_bias", bias);
        if (window > 0) p.put("sliding_window", window);
        BlockConfig config = new BlockConfig((window > 0 ? "swa" : "attn") + " cpu training " + p + " B=" + batch + " T=" + tokens, p);
        AttentionProvider provider = new AttentionProvider(window > 0, "1.0.0");
        long dotLength = hidden + (long) (heads / kvHeads) * tokens * headDim + (long) heads * headDim + (long) batch * tokens;
        CpuTrainingCheck.check(config.where(), provider, config, provider.weights(config), hidden, batch, tokens, dotLength,
                new SplittableRandom(31L * tokens + batch + window), AttentionCpuTrainingTest::randomWeight);
    }

    /** q, k with components of about 1.5 (scores up to ±5: peaked softmax rows), v and o_proj O(1), biases 0.2. */
    static float[] randomWeight(SplittableRandom rng, WeightDecl d) {
        int[] s = d.shape();
        int n = 1;
        for (int v : s) n *= v;
        if (d.name().endsWith(".bias")) return CentralDifferences.normal(rng, 0.2, n);
        double fanIn = s[1];
        return CentralDifferences.normal(rng, (d.name().startsWith("q_") || d.name().startsWith("k_") ? 1.5 : 1) / Math.sqrt(fanIn), n);
    }
}
