package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Prints the backward's wall time on REFERENCE and CPU (the runtime's ND4J ops) for attention at a tiny model's shape
 * (B 4, T 64, D 128, 4/2 heads of 32) and at a 2B shape (B 4, T 64, D 1536, 12/2 heads of 128), and for swa (window 32)
 * at the 2B shape. A main run by hand, not a test:
 * {@code java -cp <test classpath> io.jetrt.blocks.fullattn.AttentionTrainingBenchmark [cpuRuns [tiny]]}.
 */
public final class AttentionTrainingBenchmark {
    private AttentionTrainingBenchmark() {}

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Nd4jCpuOps ops = new Nd4jCpuOps();
        BlockServices services = () -> ops;
        measure("attn tiny  B=4 T=64 D=128", config(128, 4, 2, 32, 0), 4, 64, runs, services);
        if (args.length > 1 && args[1].equals("tiny")) return;
        measure("attn 2B    B=4 T=64 D=1536", config(1536, 12, 2, 128, 0), 4, 64, runs, services);
        measure("swa  2B    B=4 T=64 D=1536 W=32", config(1536, 12, 2, 128, 32), 4, 64, runs, services);
    }

    private static BlockConfig config(int hidden, int heads, int kvHeads, int headDim, int window) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("hidden_size", hidden);
        p.put("num_attention_heads", heads);
        p.put("num_key_value_heads", kvHeads);
        p.put("head_dim", headDim);
        if (window > 0) p.put("sliding_window", window);
        return new BlockConfig("bench", p);
    }

    private static void measure(String name, BlockConfig config, int batch, int tokens, int runs, BlockServices services) {
        AttentionProvider provider = new AttentionProvider(config.has("sliding_window"), "1.0.0");
        MapWeights w = new MapWeights("bench", provider.initWeights(config, 1));
        int d = config.intParam("hidden_size");
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
