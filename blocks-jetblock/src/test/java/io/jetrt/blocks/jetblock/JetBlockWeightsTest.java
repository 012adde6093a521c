package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.GatedDeltaWeightsTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Weight declarations, state layout and initialisation ({@link GatedDeltaWeightsTest}) and the 2B checkpoint shapes. */
class JetBlockWeightsTest extends GatedDeltaWeightsTest {
    /** The config of ../shared/fixtures/blocks/jetblock.safetensors (its declarations and states are checked against the file in JetBlockFixtureTest). */
    static final BlockConfig FIXTURE_CONFIG = new BlockConfig("jetblock fixture config", Map.of("hidden_size", 128, "num_heads", 4, "head_dim", 32, "expand_v", 2.0, "conv_size", 4,
            "dconv_generator_reduction", 8, "norm_eps", 1e-5));

    private final JetBlockProvider provider = new JetBlockProvider();

    @Override protected BlockProvider provider() { return provider; }

    @Override protected BlockConfig fixtureConfig() { return FIXTURE_CONFIG; }

    @Test
    void initDrawsLinearsWithZeroBias() {
        Map<String, FloatTensor> init = provider.initWeights(FIXTURE_CONFIG, 5);
        for (float v : init.get("dynamic_conv1d.kernel_generator.w2.bias").data()) assertEquals(0f, v, "Linear bias zero");
        assertEquals(0.02, std(init.get("dynamic_conv1d.kernel_generator.w2.weight")), 0.002, "w2 ~ N(0, 0.02)");
        assertEquals(0.02, std(init.get("v_proj.weight")), 0.002, "v_proj ~ N(0, 0.02)");
    }

    /** BLOCKS.md §1.2, Jet-Nemotron-2B: expand_v 2.6666666667 truncates to Dv 256 and value_dim 3072. */
    @Test
    void declarationsMatch2BCheckpointShapes() {
        BlockConfig c = new BlockConfig("2B layer", Map.of("hidden_size", 1536, "num_heads", 12, "head_dim", 96,
                "expand_v", 2.6666666667, "conv_size", 4, "dconv_generator_reduction", 8, "norm_eps", "1e-5"));
        Map<String, List<Integer>> m = shapes(provider.weights(c));
        assertEquals(List.of(1152, 1536), m.get("q_proj.weight"));
        assertEquals(List.of(3072, 1536), m.get("v_proj.weight"));
        assertEquals(List.of(12, 1536), m.get("a_proj.weight"));
        assertEquals(List.of(384, 1536), m.get("dynamic_conv1d.kernel_generator.w1.weight"));
        assertEquals(List.of(12288, 384), m.get("dynamic_conv1d.kernel_generator.w2.weight"));
        assertEquals(List.of(12288), m.get("dynamic_conv1d.kernel_generator.w2.bias"));
        assertEquals(List.of(256), m.get("o_norm.weight"));
        assertEquals(List.of(1536, 3072), m.get("o_proj.weight"));
        assertEquals(List.of(StateSlot.f32("conv_state", 3072, 4), StateSlot.f32("recurrent_state", 12, 96, 256)),
                provider.stateLayout(c, 100));
    }
}
