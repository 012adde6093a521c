package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.GatedDeltaHeadsCuda;
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
 * Gated DeltaNet's CUDA training path ({@link GatedDeltaNetCudaTrainer}): the gradient fixture within the GPU tolerance
 * (2e-2, bf16 products as the runtime runs them), and fp32 products against the float64 reference at awkward shapes
 * ({@link CudaTrainingCheck}): T = 1, 63, 65 and 500 (around and between the 64-token chunks), batch 1 and 3,
 * odd head dims, Dv spanning one, two and a partial 32-column block, Dk above the 8 row groups, conv biases on and
 * off. Skipped, with the reason, without a GPU.
 */
class GatedDeltaNetCudaTrainingTest {
    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @Test
    void theGradientFixturePassesOnCuda() {
        VerifyReport r = Fixtures.verifyGradients("gated_deltanet.safetensors", new GatedDeltaNetProvider(), Backend.CUDA);
        assertTrue(r.checks().size() > 2, r.format());
        System.out.println(r.format());
    }

    @ParameterizedTest(name = "D={0} H={1} Dk={2} expand_v={3} W={4} bias={5} negEig={6} B={7} T={8}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, true, true, 1, 1",
            "13, 3, 5, 2.0, 4, true, true, 3, 1",
            "13, 3, 5, 2.0, 4, false, true, 1, 63",
            "13, 3, 5, 2.0, 4, true, false, 3, 65",
            "7, 2, 3, 1.0, 3, false, false, 3, 63",
            "7, 2, 3, 1.0, 3, true, true, 1, 500",
            "21, 2, 34, 1.5, 4, false, true, 3, 65",
            "24, 1, 40, 2.0, 4, true, true, 1, 500",
            "9, 1, 6, 2.0, 2, false, true, 3, 500"})
    void cudaMatchesTheReferenceAndIsReproducible(int hidden, int heads, int dk, double expandV, int conv, boolean bias, boolean negEig,
                                                  int batch, int tokens) {
        check(hidden, heads, dk, expandV, conv, bias, negEig, batch, tokens);
    }

    /** Version 1 of the scan (per token, {@code -Djetrt.gdr.train=1}), the reference the chunked default is written against. */
    @ParameterizedTest(name = "v1 D={0} H={1} Dk={2} expand_v={3} W={4} bias={5} negEig={6} B={7} T={8}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, true, true, 3, 1",
            "13, 3, 5, 2.0, 4, true, false, 3, 65",
            "7, 2, 3, 1.0, 3, true, true, 1, 500"})
    void thePerTokenScanStillMatchesTheReference(int hidden, int heads, int dk, double expandV, int conv, boolean bias, boolean negEig,
                                                 int batch, int tokens) {
        withProperty("jetrt.gdr.train", "1", () -> check(hidden, heads, dk, expandV, conv, bias, negEig, batch, tokens));
    }

    /** Version 2 of the scans across chunks ({@code -Djetrt.gdr.scan=2}), which the tensor-core version 3 replaced. */
    @ParameterizedTest(name = "scan v2 D={0} H={1} Dk={2} expand_v={3} W={4} bias={5} negEig={6} B={7} T={8}")
    @CsvSource({
            "13, 3, 5, 2.0, 4, true, false, 3, 65",
            "24, 1, 40, 2.0, 4, true, true, 1, 500"})
    void theVersion2ScanStillMatchesTheReference(int hidden, int heads, int dk, double expandV, int conv, boolean bias, boolean negEig,
                                                 int batch, int tokens) {
        withProperty("jetrt.gdr.scan", "2", () -> check(hidden, heads, dk, expandV, conv, bias, negEig, batch, tokens));
    }

    /** Runs {@code body} with the system property {@code key} set (the trainers read it when built), then clears it. */
    private static void withProperty(String key, String value, Runnable body) {
        System.setProperty(key, value);
        try {
            body.run();
        } finally {
            System.clearProperty(key);
        }
    }

    private static void check(int hidden, int heads, int dk, double expandV, int conv, boolean bias, boolean negEig, int batch, int tokens) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", conv);
        p.put("conv_bias", bias);
        p.put("allow_neg_eigval", negEig);
        BlockConfig config = new BlockConfig("cuda training", p);
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        GatedDeltaNetProvider provider = new GatedDeltaNetProvider();
        long dotLength = hidden + (long) tokens * dk + c.valueDim() + (long) batch * tokens;
        CudaTrainingCheck.check("gdn v" + GatedDeltaHeadsCuda.defaultVersion() + " " + p + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch,
                tokens, dotLength, new SplittableRandom(41L * tokens + batch), GatedDeltaNetGradFiniteDiffTest::randomWeight);
    }
}
