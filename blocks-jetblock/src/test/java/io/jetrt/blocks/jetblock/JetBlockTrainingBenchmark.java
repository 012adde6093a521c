package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.TrainableProvider;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prints the backward's wall time on REFERENCE and CPU (the runtime's ND4J ops) at the tiny test model's shape
 * (B 8, T 256, D 128) and at the 2B shape (B 1, T 512, D 1536, 12 heads, Dk 96, Dv 256). A main run by hand, not a
 * test: {@code java -cp <test classpath> io.jetrt.blocks.jetblock.JetBlockTrainingBenchmark [cpuRuns [tiny]]}.
 */
public final class JetBlockTrainingBenchmark {
    private JetBlockTrainingBenchmark() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Nd4jCpuOps ops = new Nd4jCpuOps();
        BlockServices services = () -> ops;
        measure("tiny  B=8 T=256 D=128", config(128, 4, 32, 2.0), 8, 256, runs, services);
        if (args.length < 2 || !args[1].equals("tiny")) measure("2B    B=1 T=512 D=1536", config(1536, 12, 96, 2.6666667), 1, 512, runs, services);
    }

    private static BlockConfig config(int hidden, int heads, int dk, double expandV) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_heads", heads);
        p.put("head_dim", dk);
        p.put("expand_v", expandV);
        p.put("conv_size", 4);
        p.put("dconv_generator_reduction", 8);
        p.put("norm_eps", "1e-5");
        return new BlockConfig("bench", p);
    }

    private static void measure(String name, BlockConfig config, int batch, int tokens, int runs, BlockServices services) {
        TrainableProvider provider = new JetBlockProvider();
        MapWeights w = new MapWeights("bench", new JetBlockProvider().initWeights(config, 1));
        int d = JetBlockConfig.from(config).hiddenSize();
        SplittableRandom rng = new SplittableRandom(2);
        float[] xs = new float[batch * tokens * d], dys = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (rng.nextDouble() * 2 - 1);
            dys[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        FloatTensor x = new FloatTensor(xs, new int[] {batch, tokens, d}), dy = new FloatTensor(dys, x.shape());
        double cpu = Double.MAX_VALUE;
        provider.backward(config, w, x, dy, Backend.CPU, services); // warm-up
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            provider.backward(config, w, x, dy, Backend.CPU, services);
            cpu = Math.min(cpu, (System.nanoTime() - t0) / 1e9);
        }
        long t0 = System.nanoTime();
        provider.backward(config, w, x, dy, Backend.REFERENCE, services);
        double ref = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: backward reference %.3f s, cpu %.3f s (best of %d), speedup %.1fx%n", name, ref, cpu, runs, ref / cpu);
    }
}
