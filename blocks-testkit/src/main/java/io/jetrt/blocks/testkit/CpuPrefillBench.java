package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.blocks.common.TimedCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One CPU prefill of a block layer at batch 1, split into the time spent in {@link CpuOps#linear} (BLAS in the
 * runtime; the plain-Java GEMM here) and the rest. Runs only with {@code -Djetrt.bench=true}.
 */
public final class CpuPrefillBench {
    private CpuPrefillBench() {}

    /** Prints one line per length; the first, short run warms up the JIT. {@code label} names the block, e.g. {@code jet}. */
    public static void run(String label, BlockProvider provider, BlockConfig config, int hidden, int... lengths) {
        assumeTrue(Boolean.getBoolean("jetrt.bench"), "set -Djetrt.bench=true to run");
        TimedCpuOps ops = new TimedCpuOps(new PlainCpuOps());
        BlockServices services = () -> ops;
        Block block = provider.create(config, new MapWeights("init", provider.initWeights(config, 1)), Backend.CPU, services);
        for (int tokens : lengths) {
            FloatTensor x = new Init(tokens).normal(1.0, 1, tokens, hidden);
            BlockState state = new BlockState(1, provider.stateLayout(config, tokens));
            ops.linearNanos.set(0);
            long t0 = System.nanoTime();
            block.prefill(x, new int[1], state, FloatTensor.zeros(1, tokens, hidden));
            double total = (System.nanoTime() - t0) / 1e6, gemm = ops.linearNanos.get() / 1e6;
            System.out.printf("%s cpu prefill B 1 T %d D %d: %.0f ms total, %.0f ms in linear (plain-Java GEMM), %.0f ms the rest%n",
                    label, tokens, hidden, total, gemm, total - gemm);
        }
    }
}
