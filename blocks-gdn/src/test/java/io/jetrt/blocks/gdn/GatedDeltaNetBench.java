package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.blocks.common.TimedCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One CPU prefill of a Gated DeltaNet layer with Jet-Nemotron-2B JetBlock sizes (D 1536, H 12, Dk 96, Dv 256, T 2048, B 1), split into
 * the time spent in {@link CpuOps#linear} (BLAS in the runtime; the plain-Java GEMM here) and the rest (short
 * convs, activations, gated delta rule, output norm). Runs only with {@code -Dtest=GatedDeltaNetBench -Djetrt.bench=true}.
 */
class GatedDeltaNetBench {

    @Test
    void prefill2BLayer() {
        assumeTrue(Boolean.getBoolean("jetrt.bench"), "set -Djetrt.bench=true to run");
        BlockConfig config = new BlockConfig("2B-sized gdn layer", Map.of("hidden_size", 1536, "num_heads", 12, "head_dim", 96,
                "expand_v", 2.6666666667, "conv_size", 4, "norm_eps", "1e-5"));
        GatedDeltaNetProvider p = new GatedDeltaNetProvider();
        TimedCpuOps ops = new TimedCpuOps(new PlainCpuOps());
        BlockServices services = () -> ops;
        Block block = p.create(config, new MapWeights("init", p.initWeights(config, 1)), Backend.CPU, services);
        for (int tokens : new int[]{256, 2048}) { // the short run warms up the JIT
            FloatTensor x = new Init(tokens).normal(1.0, 1, tokens, 1536);
            BlockState state = new BlockState(1, p.stateLayout(config, tokens));
            ops.linearNanos.set(0);
            long t0 = System.nanoTime();
            block.prefill(x, new int[1], state, FloatTensor.zeros(1, tokens, 1536));
            double total = (System.nanoTime() - t0) / 1e6, gemm = ops.linearNanos.get() / 1e6;
            System.out.printf("gdn cpu prefill B 1 T %d D 1536: %.0f ms total, %.0f ms in linear (plain-Java GEMM), %.0f ms the rest%n",
                    tokens, total, gemm, total - gemm);
        }
    }
}
