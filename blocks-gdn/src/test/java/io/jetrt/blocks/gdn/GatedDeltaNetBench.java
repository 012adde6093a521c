package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.CpuPrefillBench;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * One CPU prefill of a Gated DeltaNet layer with Jet-Nemotron-2B JetBlock sizes (D 1536, H 12, Dk 96, Dv 256, T 2048, B 1),
 * split into the time spent in linear and the rest (short convs, activations, gated delta rule, output norm).
 * Runs only with {@code -Dtest=GatedDeltaNetBench -Djetrt.bench=true}.
 */
class GatedDeltaNetBench {

    @Test
    void prefill2BLayer() {
        BlockConfig config = new BlockConfig("2B-sized gdn layer", Map.of("hidden_size", 1536, "num_heads", 12, "head_dim", 96,
                "expand_v", 2.6666666667, "conv_size", 4, "norm_eps", "1e-5"));
        CpuPrefillBench.run("gdn", new GatedDeltaNetProvider(), config, 1536, 256, 2048);
    }
}
