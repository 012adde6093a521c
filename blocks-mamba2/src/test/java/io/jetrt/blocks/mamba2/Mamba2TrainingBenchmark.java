package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;

import java.util.SplittableRandom;

/**
 * Prints the backward's wall time on REFERENCE and CPU (the runtime's ND4J ops) at a tiny model's shape
 * (B 4, T 64, D 128, P 32, N 64) and at a 2B shape (B 4, T 64, D 1536, P 64, N 128: 48 heads). A main run by hand,
 * not a test: {@code java -cp <test classpath> io.jetrt.blocks.mamba2.Mamba2TrainingBenchmark [cpuRuns [tiny]]}.
 */
public final class Mamba2TrainingBenchmark {
    private Mamba2TrainingBenchmark() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Nd4jCpuOps ops = new Nd4jCpuOps();
        BlockServices services = () -> ops;
        measure("tiny  B=4 T=64 D=128", Mamba2Testing.config(128, 32, 64, 1), 4, 64, runs, services);
        if (args.length < 2 || !args[1].equals("tiny")) measure("2B    B=4 T=64 D=1536", Mamba2Testing.config(1536, 64, 128, 1), 4, 64, runs, services);
    }

    private static void measure(String name, BlockConfig config, int batch, int tokens, int runs, BlockServices services) {
        Mamba2Provider provider = new Mamba2Provider();
        MapWeights w = new MapWeights("bench", provider.initWeights(config, 1));
        int d = Mamba2Config.from(config).hidden();
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
        // the reference warmed up too where it is quick (at the large shape one run is seconds: compilation is noise)
        if ((long) batch * tokens * d <= 1L << 16) provider.backward(config, w, x, dy, Backend.REFERENCE, services);
        long t0 = System.nanoTime();
        provider.backward(config, w, x, dy, Backend.REFERENCE, services);
        double ref = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s: backward reference %.3f s, cpu %.3f s (best of %d, %d threads), speedup %.1fx%n", name, ref, cpu, runs,
                services.cpu().threads(), ref / cpu);
    }
}
