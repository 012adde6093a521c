package io.jetrt.blocks.mamba2;

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

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mamba2's CUDA training path ({@link Mamba2CudaTrainer}): the gradient fixture within the GPU tolerance (2e-2, bf16
 * products as the runtime runs them), and fp32 products against the float64 reference ({@link CudaTrainingCheck};
 * error model and shapes as {@link Mamba2CpuTrainingTest}: T = 1, 63, 65, 200 around the 32-token checkpoints, batch
 * 1 and 3, odd head dims and state sizes, 1 to 3 groups, conv widths 2 to 4, D per head and per channel, with and
 * without the biases and the norm; plus a head dim over the 16 warps and a state over one lane's 32 columns).
 * Skipped, with the reason, without a GPU.
 */
class Mamba2CudaTrainingTest {
    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @Test
    void theGradientFixturePassesOnCuda() {
        VerifyReport r = Fixtures.verifyGradients("mamba2.safetensors", Mamba2Testing.PROVIDER, Backend.CUDA);
        assertTrue(r.checks().size() > 2, r.format());
        System.out.println(r.format());
    }

    @ParameterizedTest(name = "D={0} P={1} N={2} G={3} W={4} bias={5} rmsnorm={6} D_has_hdim={7} B={8} T={9}")
    @CsvSource({
            "5, 5, 3, 1, 4, false, true, false, 1, 1",
            "5, 5, 3, 1, 4, false, true, false, 3, 1",
            "9, 3, 7, 2, 4, true, true, false, 1, 63",
            "9, 3, 7, 3, 3, true, true, true, 3, 65",
            "7, 7, 5, 1, 2, false, false, true, 3, 63",
            "6, 4, 4, 1, 4, true, true, false, 1, 200",
            "11, 11, 9, 2, 3, false, true, true, 3, 200",
            "10, 20, 40, 1, 4, true, true, false, 3, 65"})
    void cudaMatchesTheReferenceAndIsReproducible(int hidden, int headDim, int state, int groups, int conv, boolean bias,
                                                  boolean rmsnorm, boolean dHasHdim, int batch, int tokens) {
        BlockConfig config = Mamba2Testing.config(hidden, headDim, state, groups, "conv_kernel", conv, "use_bias", bias,
                "rmsnorm", rmsnorm, "D_has_hdim", dHasHdim);
        Mamba2Config c = Mamba2Config.from(config);
        long dotLength = hidden + conv + (long) tokens * state + headDim + c.dInner() + (long) batch * tokens;
        Mamba2Provider provider = Mamba2Testing.PROVIDER;
        CudaTrainingCheck.check(config.where() + " W=" + conv + " bias=" + bias + " rmsnorm=" + rmsnorm + " D_has_hdim=" + dHasHdim
                        + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch, tokens,
                dotLength, new SplittableRandom(37L * tokens + batch), (rng, d) -> Mamba2CpuTrainingTest.randomWeight(c, rng, d));
    }
}
