package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.testkit.CentralDifferences;
import io.jetrt.blocks.testkit.CpuTrainingCheck;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

/**
 * Mamba2's float32 CPU training path ({@link Mamba2FastGrad}) against the float64 reference ({@link Mamba2Training})
 * and its determinism, at awkward shapes: T = 1 and lengths around and between the checkpoint chunks (63, 65, 200),
 * batch 1 and 3, odd hidden sizes, head dims and state sizes, 1 and 2 groups (B/C shared by 2 or 3 heads), conv
 * widths 2–4, D per head and per channel, with and without the biases and the norm.
 *
 * <p>Error model: {@link CpuTrainingCheck}'s, with the chain's dot lengths
 * {@code K = D (in_proj) + W (conv) + T·N (the state: T tokens of N-long outer products, read out over N) + P (a
 * group's B/C gradients over a head's channels) + d_inner (the norm, out_proj) + B·T (weight gradients over rows)}.
 */
class Mamba2CpuTrainingTest {
    @ParameterizedTest(name = "D={0} P={1} N={2} G={3} W={4} bias={5} rmsnorm={6} D_has_hdim={7} B={8} T={9}")
    @CsvSource({
            "5, 5, 3, 1, 4, false, true, false, 1, 1",
            "5, 5, 3, 1, 4, false, true, false, 3, 1",
            "9, 3, 7, 2, 4, true, true, false, 1, 63",
            "9, 3, 7, 3, 3, true, true, true, 3, 65",
            "7, 7, 5, 1, 2, false, false, true, 3, 63",
            "6, 4, 4, 1, 4, true, true, false, 1, 200",
            "11, 11, 9, 2, 3, false, true, true, 3, 200"})
    void cpuMatchesTheReferenceAndIsReproducible(int hidden, int headDim, int state, int groups, int conv, boolean bias,
                                                 boolean rmsnorm, boolean dHasHdim, int batch, int tokens) {
        BlockConfig config = Mamba2Testing.config(hidden, headDim, state, groups, "conv_kernel", conv, "use_bias", bias,
                "rmsnorm", rmsnorm, "D_has_hdim", dHasHdim);
        Mamba2Config c = Mamba2Config.from(config);
        long dotLength = hidden + conv + (long) tokens * state + headDim + c.dInner() + (long) batch * tokens;
        Mamba2Provider provider = Mamba2Testing.PROVIDER;
        CpuTrainingCheck.check(config.where() + " W=" + conv + " bias=" + bias + " rmsnorm=" + rmsnorm + " D_has_hdim=" + dHasHdim
                        + " B=" + batch + " T=" + tokens, provider, config, provider.weights(config), hidden, batch, tokens,
                dotLength, new SplittableRandom(31L * tokens + batch), (rng, d) -> randomWeight(c, rng, d));
    }

    /**
     * As {@link Mamba2Testing#weights}: projections with O(1) outputs, conv taps and biases non-trivial, D and the norm
     * weight away from 1, dt from about 0.02 to 7, and head 0 past the softplus threshold (dt_raw + dt_bias > 20).
     */
    static float[] randomWeight(Mamba2Config c, SplittableRandom rng, WeightDecl d) {
        int n = 1;
        for (int s : d.shape()) n *= s;
        return switch (d.name()) {
            case "in_proj.weight" -> CentralDifferences.normal(rng, 1 / Math.sqrt(c.hidden()), n);
            case "out_proj.weight" -> CentralDifferences.normal(rng, 1 / Math.sqrt(c.dInner()), n);
            case "conv1d.weight" -> CentralDifferences.normal(rng, 0.5, n);
            case "D", "norm.weight" -> uniform(rng, 0.5, 1.5, n);
            case "A_log" -> uniform(rng, -1, 1, n);
            case "dt_bias" -> {
                float[] v = uniform(rng, -4, 2, n);
                if (n > 1) v[0] = 30f;
                yield v;
            }
            default -> CentralDifferences.normal(rng, 0.2, n);   // the biases
        };
    }

    private static float[] uniform(SplittableRandom rng, double lo, double hi, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return v;
    }
}
