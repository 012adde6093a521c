package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.CpuPrefillBench;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * One CPU prefill of a Jet-Nemotron-2B JetBlock layer (D 1536, H 12, Dk 96, Dv 256, T 2048, B 1), split into
 * the time spent in linear and the rest (dynamic conv, activations, gated delta rule, output norm).
 * Runs only with {@code -Dtest=JetBlockBench -Djetrt.bench=true}.
 */
class JetBlockBench {

    @Test
    void prefill2BLayer() {
        BlockConfig config = new BlockConfig("2B jet layer", Map.of("hidden_size", 1536, "num_heads", 12, "head_dim", 96,
                "expand_v", 2.6666666667, "conv_size", 4, "dconv_generator_reduction", 8, "norm_eps", "1e-5"));
        CpuPrefillBench.run("jet", new JetBlockProvider(), config, 1536, 256, 2048);
    }
}
