package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.CentralDifferences;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static io.jetrt.blocks.testkit.CentralDifferences.normal;
import static io.jetrt.blocks.testkit.CentralDifferences.uniform;

/**
 * The backward against float64 central differences of the float64 forward, on random small configs and weights:
 * for x and every weight, along a random direction {@code dir}, {@code dL/dt} of {@code L(w + t·dir) = Σ dy·y}
 * against {@code Σ G·dir}.
 *
 * <p>The error model is {@link CentralDifferences}'s.
 */
class GatedDeltaNetGradFiniteDiffTest {
    @ParameterizedTest(name = "B={0} T={1} seed={2}")
    @CsvSource({"1, 1, 11", "2, 1, 12", "1, 5, 13", "2, 5, 14", "1, 9, 15", "2, 9, 16", "2, 9, 17", "1, 5, 18"})
    void backwardMatchesCentralDifferences(int batch, int tokens, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BlockConfig config = randomConfig(rng);
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        GatedDeltaNetProvider provider = new GatedDeltaNetProvider();
        CentralDifferences.checkProvider("gdn " + config.params() + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config),
                c.hiddenSize(), batch, tokens, rng, GatedDeltaNetGradFiniteDiffTest::randomWeight, (w, x, b, t) -> new GatedDeltaNetGrad(c, w).forward(x, b, t));
    }

    /** Small odd sizes; the options fla allows (conv bias, β up to 2); conv widths below 4 too. */
    private static BlockConfig randomConfig(SplittableRandom rng) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", 5 + rng.nextInt(8));
        p.put("num_heads", 1 + rng.nextInt(3));
        p.put("head_dim", 2 + rng.nextInt(4));
        p.put("expand_v", rng.nextBoolean() ? 1.0 : 2.0);
        p.put("conv_size", 2 + rng.nextInt(3));
        p.put("conv_bias", rng.nextBoolean());
        p.put("allow_neg_eigval", rng.nextBoolean());
        return new BlockConfig("fd", p);
    }

    /**
     * Scales that keep every nonlinearity in its curved range: projections ~ N(0, 1/in) so their outputs are O(1);
     * A_log ∈ (−1, 1), dt_bias ~ N(0, 1) (softplus well below its x > 20 pass-through, where it has a kink);
     * o_norm around 1.
     */
    static float[] randomWeight(SplittableRandom rng, WeightDecl d) {
        int[] s = d.shape();
        int n = 1;
        for (int v : s) n *= v;
        return switch (d.name()) {
            case "A_log" -> uniform(rng, -1, 1, n);
            case "dt_bias" -> normal(rng, 1, n);
            case "o_norm.weight" -> {
                float[] v = normal(rng, 0.3, n);
                for (int i = 0; i < n; i++) v[i] += 1;
                yield v;
            }
            default -> normal(rng, 1 / Math.sqrt(s[s.length - 1]), n);
        };
    }
}
