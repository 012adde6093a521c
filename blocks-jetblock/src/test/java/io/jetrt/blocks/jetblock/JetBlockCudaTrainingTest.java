package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.CudaTrainingCheck;
import io.jetrt.blocks.testkit.Fixtures;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JetBlock's CUDA training path ({@link JetBlockCudaTrainer}): the gradient fixture within the GPU tolerance (2e-2,
 * bf16 products as the runtime runs them), and fp32 products against the float64 reference at awkward shapes
 * ({@link CudaTrainingCheck}): T = 1, 63, 65 and 500 (around and between the 64-token chunks), batch 1 and 3,
 * odd hidden sizes and head dims, Dv spanning one, two and a partial 32-column block, Dk above the 8 row groups, conv
 * widths 2 to 4, a one-unit kernel generator and one as wide as value_dim. Skipped, with the reason, without a GPU.
 */
class JetBlockCudaTrainingTest {
    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @Test
    void theGradientFixturePassesOnCuda() {
        VerifyReport r = Fixtures.verifyGradients("jetblock.safetensors", new JetBlockProvider(), Backend.CUDA);
        assertTrue(r.checks().size() > 2, r.format());
        System.out.println(r.format());
    }

    @ParameterizedTest(name = "D={0} H={1} Dk={2} expand_v={3} W={4} r={5} B={6} T={7}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, 3, 1, 1",
            "13, 3, 5, 2.0, 4, 3, 3, 1",
            "13, 3, 5, 2.0, 4, 3, 1, 63",
            "13, 3, 5, 2.0, 4, 3, 3, 65",
            "7, 1, 4, 1.5, 2, 1, 3, 63",
            "7, 2, 3, 1.0, 3, 6, 1, 500",
            "21, 2, 34, 1.5, 4, 5, 3, 65",
            "24, 1, 40, 2.0, 4, 80, 1, 500"})
    void cudaMatchesTheReferenceAndIsReproducible(int hidden, int heads, int dk, double expandV, int conv, int reduction, int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", conv);
        p.put("dconv_generator_reduction", reduction);
        p.put("norm_eps", "1e-5");
        BlockConfig config = new BlockConfig("cuda training", p);
        JetBlockConfig c = JetBlockConfig.from(config);
        JetBlockProvider provider = new JetBlockProvider();
        long dotLength = hidden + (long) tokens * dk + c.valueDim() + (long) batch * tokens;
        CudaTrainingCheck.check("jet " + p + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch,
                tokens, dotLength, new SplittableRandom(43L * tokens + batch), JetBlockGradFiniteDiffTest::randomWeight);
    }
}
