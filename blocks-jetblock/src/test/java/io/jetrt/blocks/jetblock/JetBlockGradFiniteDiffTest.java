package io.jetrt.blocks.jetblock;

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
class JetBlockGradFiniteDiffTest {
    @ParameterizedTest(name = "B={0} T={1} seed={2}")
    @CsvSource({"1, 1, 11", "2, 1, 12", "1, 5, 13", "2, 5, 14", "1, 9, 15", "2, 9, 16", "2, 9, 17", "1, 5, 18", "2, 5, 19", "1, 9, 20"})
    void backwardMatchesCentralDifferences(int batch, int tokens, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        BlockConfig config = randomConfig(rng);
        JetBlockConfig c = JetBlockConfig.from(config);
        JetBlockProvider provider = new JetBlockProvider();
        CentralDifferences.checkProvider("jet " + config.params() + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config),
                c.hiddenSize(), batch, tokens, rng, JetBlockGradFiniteDiffTest::randomWeight, (w, x, b, t) -> new JetBlockGrad(c, w).forward(x, b, t));
    }

    /**
     * Small odd sizes; conv widths below 4 too; a generator from 1 hidden unit up to value_dim (reduction 1), and
     * expand_v 1.5 where Dk is even (whole value head dims).
     */
    private static BlockConfig randomConfig(SplittableRandom rng) {
        Map<String, Object> p = new LinkedHashMap<>();
        int dk = 2 + rng.nextInt(4);
        double expandV = switch (rng.nextInt(dk % 2 == 0 ? 3 : 2)) { case 0 -> 1.0; case 1 -> 2.0; default -> 1.5; };
        int heads = 1 + rng.nextInt(3), valueDim = (int) (heads * dk * expandV);
        p.put("hidden_size", 5 + rng.nextInt(8));
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", 2 + rng.nextInt(3));
        p.put("dconv_generator_reduction", 1 + rng.nextInt(valueDim));
        p.put("norm_eps", "1e-5");
        return new BlockConfig("fd", p);
    }

    /**
     * Scales that keep every nonlinearity in its curved range: projections ~ N(0, 1/in) so their outputs are O(1);
     * A_log ∈ (−1, 1), dt_bias ~ N(0, 1) (softplus well below its x > 20 pass-through, where it has a kink);
     * o_norm around 1; the generator's bias b2 ~ N(0, 0.5), so the kernels are O(1) like its weights' part.
     */
    static float[] randomWeight(SplittableRandom rng, WeightDecl d) {
        int[] s = d.shape();
        int n = 1;
        for (int v : s) n *= v;
        return switch (d.name()) {
            case "A_log" -> uniform(rng, -1, 1, n);
            case "dt_bias" -> normal(rng, 1, n);
            case JetBlockWeights.B2 -> normal(rng, 0.5, n);
            case "o_norm.weight" -> {
                float[] v = normal(rng, 0.3, n);
                for (int i = 0; i < n; i++) v[i] += 1;
                yield v;
            }
            default -> normal(rng, 1 / Math.sqrt(s[s.length - 1]), n);
        };
    }
}
