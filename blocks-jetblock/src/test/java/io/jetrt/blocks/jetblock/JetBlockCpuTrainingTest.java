package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.CpuTrainingCheck;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * JetBlock's float32 CPU training path ({@link JetBlockFastGrad}) against the float64 reference ({@link JetBlockGrad})
 * and its determinism, at awkward shapes: T = 1 and lengths around and between the checkpoint chunks (63, 65, 200),
 * batch 1 and 3, odd hidden sizes and head dims, a 1.5 expand_v. Error model: {@link CpuTrainingCheck}'s.
 */
class JetBlockCpuTrainingTest {
    @ParameterizedTest(name = "D={0} H={1} Dk={2} expand_v={3} W={4} r={5} B={6} T={7}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, 3, 1, 1",
            "13, 3, 5, 2.0, 4, 3, 3, 1",
            "13, 3, 5, 2.0, 4, 3, 1, 63",
            "13, 3, 5, 2.0, 4, 3, 3, 65",
            "7, 1, 4, 1.5, 2, 1, 3, 63",
            "7, 1, 4, 1.5, 2, 1, 1, 200",
            "9, 2, 7, 1.0, 3, 14, 3, 200"})
    void cpuMatchesTheReferenceAndIsReproducible(int hidden, int heads, int dk, double expandV, int conv, int reduction, int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", conv);
        p.put("dconv_generator_reduction", reduction);
        p.put("norm_eps", "1e-5");
        BlockConfig config = new BlockConfig("cpu training", p);
        JetBlockConfig c = JetBlockConfig.from(config);
        JetBlockProvider provider = new JetBlockProvider();
        long dotLength = hidden + (long) tokens * dk + c.valueDim() + (long) batch * tokens;
        CpuTrainingCheck.check("jet " + p + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch, tokens,
                dotLength, new SplittableRandom(31L * tokens + batch), JetBlockGradFiniteDiffTest::randomWeight);
    }
}
