package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.testkit.CudaTrainingCheck;
import io.jetrt.blocks.testkit.Fixtures;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention's CUDA training path ({@link AttentionCudaTrainer}): the gradient fixtures of full and sliding-window
 * attention within the GPU tolerance (2e-2, bf16 products as the runtime runs them), and fp32 products against the
 * float64 reference ({@link CudaTrainingCheck}, error model and shapes as {@link AttentionCpuTrainingTest}: T = 1,
 * 63, 65, 200, batch 1 and 3, GQA groups of 1, 2 and 3, biases on and off, windows of 1, shorter than T and longer;
 * head dims 2 to 40, one and two channels a lane). Skipped, with the reason, without a GPU.
 */
class AttentionCudaTrainingTest {
    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @ParameterizedTest
    @ValueSource(strings = {"attention.safetensors", "swa_attention.safetensors"})
    void theGradientFixturesPassOnCuda(String fixture) {
        VerifyReport r = Fixtures.verifyGradients(fixture, new AttentionProvider(fixture.startsWith("swa"), "1.0.0"), Backend.CUDA);
        assertTrue(r.checks().size() > 2, r.format());
        System.out.println(r.format());
    }

    @ParameterizedTest(name = "D={0} H={1}/{2} Dh={3} window={4} bias={5} B={6} T={7}")
    @CsvSource({
            "13, 3, 1, 6, 0, true, 1, 1",
            "13, 3, 1, 6, 0, true, 3, 1",
            "13, 3, 1, 6, 0, true, 1, 63",
            "13, 4, 2, 4, 0, false, 3, 65",
            "9, 2, 2, 10, 0, true, 3, 200",
            "13, 3, 1, 6, 7, true, 3, 63",
            "13, 4, 2, 4, 16, false, 1, 65",
            "9, 2, 2, 10, 33, true, 3, 200",
            "9, 2, 1, 2, 1, true, 3, 65",
            "9, 2, 1, 2, 300, false, 1, 200",
            "17, 6, 2, 40, 0, true, 3, 65",
            "17, 6, 3, 40, 50, false, 1, 200"})
    void cudaMatchesTheReferenceAndIsReproducible(int hidden, int heads, int kvHeads, int headDim, int window, boolean bias,
                                                  int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_attention_heads", heads);
        p.put("num_key_value_heads", kvHeads);
        p.put("head_dim", headDim);
        p.put("rope_theta", 10000.0);
        p.put("qkv_bias", bias);
        if (window > 0) p.put("sliding_window", window);
        BlockConfig config = new BlockConfig((window > 0 ? "swa" : "attn") + " cuda training " + p + " B=" + batch + " T=" + tokens, p);
        AttentionProvider provider = new AttentionProvider(window > 0, "1.0.0");
        long dotLength = hidden + (long) (heads / kvHeads) * tokens * headDim + (long) heads * headDim + (long) batch * tokens;
        CudaTrainingCheck.check(config.where(), provider, config, provider.weights(config), hidden, batch, tokens, dotLength,
                new SplittableRandom(37L * tokens + batch + window), AttentionCpuTrainingTest::randomWeight);
    }
}
