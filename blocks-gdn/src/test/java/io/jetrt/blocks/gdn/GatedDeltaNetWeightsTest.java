package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.GatedDeltaWeightsTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Weight declarations and initialisation ({@link GatedDeltaWeightsTest}), and the conv biases. */
class GatedDeltaNetWeightsTest extends GatedDeltaWeightsTest {
    /** The config of ../shared/fixtures/blocks/gated_deltanet.safetensors (its declarations and states are checked against the file in GatedDeltaNetFixtureTest). */
    static final BlockConfig FIXTURE_CONFIG = new BlockConfig("gated_deltanet fixture config", Map.of("hidden_size", 128, "num_heads", 4, "head_dim", 32, "expand_v", 2.0, "conv_size", 4,
            "norm_eps", 1e-5));

    private final GatedDeltaNetProvider provider = new GatedDeltaNetProvider();

    @Override protected BlockProvider provider() { return provider; }

    @Override protected BlockConfig fixtureConfig() { return FIXTURE_CONFIG; }

    @Test
    void initDrawsConvsAndLinears() {
        Map<String, FloatTensor> init = provider.initWeights(FIXTURE_CONFIG, 5);
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
}
