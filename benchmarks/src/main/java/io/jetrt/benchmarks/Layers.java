package io.jetrt.benchmarks;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.runtime.cpu.CpuOpsFactory;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * What the block benchmarks share: the layer shapes (Jet-Nemotron-2B: D 1536, Qwen2.5-1.5B attention), the CPU ops
 * the runtime would choose, and a CPU block made through its provider's public {@code create} with seeded
 * upstream-style weights, registered with the BLAS ops as the composer registers checkpoint weights.
 */
final class Layers {
    private Layers() {}

    /** Jet-Nemotron-2B's JetBlock: H 12, Dk 96, Dv 256 (expand_v 8/3), conv 4. */
    static final BlockConfig JET = new BlockConfig("2B jet layer", Map.of("hidden_size", 1536, "num_heads", 12,
            "head_dim", 96, "expand_v", 2.6666666667, "conv_size", 4, "dconv_generator_reduction", 8, "norm_eps", "1e-5"));
    /** Gated DeltaNet at the JetBlock's sizes, so the two read side by side. */
    static final BlockConfig GDN = new BlockConfig("2B-sized gdn layer", Map.of("hidden_size", 1536, "num_heads", 12,
            "head_dim", 96, "expand_v", 2.6666666667, "conv_size", 4, "norm_eps", "1e-5"));
    /** Mamba2 defaults at D 1536: d_inner 3072, H 48, P 64, N 128, G 1. */
    static final BlockConfig MAMBA2 = new BlockConfig("2B-like mamba2 layer", Map.of("hidden_size", 1536));
    /** Qwen2.5-1.5B / Jet-Nemotron-2B full attention: 12 query heads, 2 KV heads, head_dim 128, qkv bias. */
    static final BlockConfig ATTENTION = new BlockConfig("2B attention layer", Map.of("hidden_size", 1536,
            "num_attention_heads", 12, "num_key_value_heads", 2, "head_dim", 128, "rope_theta", 1000000.0, "qkv_bias", true));

    /** The runtime's choice: ND4J/OpenBLAS plus SIMD Java for few rows, else plain loops (logged). */
    static CpuOps runtimeOps() { return CpuOpsFactory.create(true); }

    /**
     * A CPU block of {@code config} with seeded weights. {@code gemm} "blas" runs the real products; "none"
     * replaces every product by a copy of random numbers, to time everything else with realistic values.
     */
    static Block cpuBlock(BlockProvider provider, BlockConfig config, CpuOps ops, String gemm, int maxRows) {
        Map<String, FloatTensor> weights = provider.initWeights(config, 1);
        int widest = 0;
        for (WeightDecl d : provider.weights(config)) {
            FloatTensor w = weights.get(d.name());
            if (w.rank() == 2) {
                widest = Math.max(widest, w.dim(0));
                if (ops instanceof Nd4jCpuOps nd) nd.registerWeight(w.data(), w.dim(0), w.dim(1));
            }
        }
        CpuOps used = switch (gemm) {
            case "blas" -> ops;
            case "none" -> new NoGemm(ops, normal(new SplittableRandom(3), (long) maxRows * widest));
            default -> throw new IllegalArgumentException("gemm must be blas or none; got " + gemm);
        };
        BlockServices services = () -> used;
        return provider.create(config, new MapWeights("bench " + config.where(), weights), Backend.CPU, services);
    }

    static float[] normal(SplittableRandom rng, long n) {
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("normal: n must fit one array; got " + n);
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    /** {@code [B, T, D]} of N(0, 1), as a normalised hidden state roughly is. */
    static FloatTensor input(long seed, int batch, int tokens, int hidden) {
        FloatTensor x = FloatTensor.zeros(batch, tokens, hidden);
        float[] d = normal(new SplittableRandom(seed), x.size());
        System.arraycopy(d, 0, x.data(), 0, d.length);
        return x;
    }

    /** {@link CpuOps} whose {@code linear} copies random numbers into its output; the pool is the real one. */
    private record NoGemm(CpuOps pool, float[] noise) implements CpuOps {
        @Override
        public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            System.arraycopy(noise, 0, y, yOff, m * n);
        }

        @Override public void parallelFor(int n, IntConsumer body) { pool.parallelFor(n, body); }

        @Override public int threads() { return pool.threads(); }
    }
}
