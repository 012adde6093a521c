package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.CpuTrainingCheck;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Gated DeltaNet's float32 CPU training path ({@link GatedDeltaNetFastGrad}) against the float64 reference
 * ({@link GatedDeltaNetGrad}) and its determinism, at awkward shapes: T = 1 and lengths around and between the
 * checkpoint chunks (63, 65, 200), batch 1 and 3, odd hidden sizes and head dims, conv biases and β up to 2 on and
 * off. Error model: {@link CpuTrainingCheck}'s.
 */
class GatedDeltaNetCpuTrainingTest {
    @ParameterizedTest(name = "D={0} H={1} Dk={2} expand_v={3} W={4} bias={5} negEig={6} B={7} T={8}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, true, true, 1, 1",
            "13, 3, 5, 2.0, 4, true, true, 3, 1",
            "13, 3, 5, 2.0, 4, false, true, 1, 63",
            "13, 3, 5, 2.0, 4, true, false, 3, 65",
            "7, 2, 3, 1.0, 3, false, false, 3, 63",
            "7, 2, 3, 1.0, 3, true, true, 1, 200",
            "9, 1, 6, 2.0, 2, false, true, 3, 200"})
    void cpuMatchesTheReferenceAndIsReproducible(int hidden, int heads, int dk, double expandV, int conv, boolean bias, boolean negEig,
                                                 int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", conv);
        p.put("conv_bias", bias);
        p.put("allow_neg_eigval", negEig);
        BlockConfig config = new BlockConfig("cpu training", p);
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        GatedDeltaNetProvider provider = new GatedDeltaNetProvider();
        long dotLength = hidden + (long) tokens * dk + c.valueDim() + (long) batch * tokens;
        CpuTrainingCheck.check("gdn " + p + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch, tokens,
                dotLength, new SplittableRandom(37L * tokens + batch), GatedDeltaNetGradFiniteDiffTest::randomWeight);
    }
}
