package io.jetrt.blocks.gdn;

import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weight declarations, state layout and initialisation against the fixture file. */
class GatedDeltaNetWeightsTest {
    /** The config of ../shared/fixtures/blocks/gated_deltanet.safetensors (its declarations and states are checked against the file in GatedDeltaNetFixtureTest). */
    static final BlockConfig FIXTURE_CONFIG = new BlockConfig("gated_deltanet fixture config", Map.of("hidden_size", 128, "num_heads", 4, "head_dim", 32, "expand_v", 2.0, "conv_size", 4,
            "norm_eps", 1e-5));

    private final GatedDeltaNetProvider provider = new GatedDeltaNetProvider();

    private static Map<String, List<Integer>> shapes(List<WeightDecl> decls) {
        Map<String, List<Integer>> m = new TreeMap<>();
        for (WeightDecl d : decls) m.put(d.name(), Arrays.stream(d.shape()).boxed().toList());
        return m;
    }

    private static Map<String, List<Integer>> shapesOf(Map<String, FloatTensor> tensors) {
        Map<String, List<Integer>> m = new TreeMap<>();
        tensors.forEach((n, t) -> m.put(n, Arrays.stream(t.shape()).boxed().toList()));
        return m;
    }



    @Test
    void initWeightsHaveDeclaredNamesAndShapes() {
        Map<String, FloatTensor> init = provider.initWeights(FIXTURE_CONFIG, 5);
        assertEquals(shapes(provider.weights(FIXTURE_CONFIG)), shapesOf(init), "gdn initWeights names and shapes");
        for (float a : init.get("A_log").data()) assertTrue(a < Math.log(16), "A_log = log U(0, 16); got " + a);
        for (float dt : init.get("dt_bias").data()) {
            double softplus = Math.log1p(Math.exp(dt));
            assertTrue(softplus >= 1e-4 * 0.999 && softplus <= 0.1 * 1.001, "softplus(dt_bias) in [1e-4, 0.1]; got " + softplus);
        }
        for (float v : init.get("o_norm.weight").data()) assertEquals(1f, v, "o_norm ones");
        assertEquals(0.02, std(init.get("v_conv1d.weight")), 0.003, "v_conv1d ~ N(0, 0.02)");
        assertEquals(0.02, std(init.get("g_proj.weight")), 0.002, "g_proj ~ N(0, 0.02)");
    }

    @Test
    void convBiasAddsBiasWeights() {
        BlockConfig withBias = FIXTURE_CONFIG.with("conv_bias", true);
        Map<String, List<Integer>> m = shapes(provider.weights(withBias));
        assertEquals(List.of(128), m.get("q_conv1d.bias"));
        assertEquals(List.of(128), m.get("k_conv1d.bias"));
        assertEquals(List.of(256), m.get("v_conv1d.bias"));
        assertEquals(m, shapesOf(provider.initWeights(withBias, 1)));
    }

    private static double std(FloatTensor t) {
        double s = 0;
        for (float v : t.data()) s += (double) v * v;
        return Math.sqrt(s / t.size());
    }
}
