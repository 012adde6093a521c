package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Mamba2 timings on a 2B-like shape (D=1536, d_inner 3072, H=48, P=64, N=128, G=1), not a unit test.
 * Run after {@code mvn install} with the test classpath, e.g.
 * {@code java -cp target/classes:target/test-classes:<spi jar>:<blocks-common jar> io.jetrt.blocks.mamba2.Mamba2Bench [T]}.
 * It prints the whole prefill with PlainCpuOps' GEMM, the non-GEMM part alone (GEMM replaced by a copy
 * of random numbers) per scan kernel, decode steps, and the reference on a shorter chunk.
 */
public final class Mamba2Bench {

    public static void main(String[] args) {
        int t = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        BlockConfig cfg = new BlockConfig("bench 2B-like", Map.of("hidden_size", 1536));
        Mamba2Config c = Mamba2Config.from(cfg);
        Map<String, io.jetrt.spi.FloatTensor> w = Mamba2Testing.PROVIDER.initWeights(cfg, 1);
        Mamba2Params p = Mamba2Params.from(c, new MapWeights("bench", w));
        FloatTensor x = new io.jetrt.blocks.common.Init(2).normal(1, 1, t, c.hidden());
        CpuOps plain = new PlainCpuOps();
        CpuOps noGemm = new CopyGemm(plain, c.inProjRows() * t);
        System.out.printf("threads %d, T=%d, in_proj %dx%d, out_proj %dx%d%n", plain.threads(), t, c.inProjRows(),
                c.hidden(), c.hidden(), c.dInner());

        double gemmFlop = 2.0 * t * c.hidden() * (c.inProjRows() + c.dInner());
        double scanFlop = 5.0 * t * c.heads() * c.headDim() * c.stateSize();   // update 3, S·C 2 per element
        for (int k : new int[] {1, 3}) {
            double s = time(new Mamba2Cpu(c, p, noGemm, k), cfg, x, 5);
            System.out.printf("prefill without GEMM, scan kernel %d: %.1f ms (scan alone would be %.1f GFLOP/s if all of it)%n",
                    k, s * 1e3, scanFlop / s / 1e9);
        }
        double full = time(new Mamba2Cpu(c, p, plain), cfg, x, 2);
        System.out.printf("prefill, PlainCpuOps GEMM: %.1f ms = %.0f tok/s (GEMM part %.1f GFLOP)%n", full * 1e3, t / full,
                gemmFlop / 1e9);

        for (int tt : new int[] {1, 2, 4}) {
            FloatTensor xs = Mamba2Testing.slice(x, 0, tt);
            for (int k : new int[] {1, 3}) {
                double s = time(new Mamba2Cpu(c, p, noGemm, k), cfg, xs, 200);
                System.out.printf("chunk of T=%d without GEMM, scan kernel %d: %.3f ms%n", tt, k, s * 1e3);
            }
        }
        FloatTensor x1 = Mamba2Testing.slice(x, 0, 1);
        double dec = time(new Mamba2Cpu(c, p, plain), cfg, x1, 50);
        System.out.printf("decode step, PlainCpuOps GEMM: %.3f ms%n", dec * 1e3);

        int tr = Math.min(t, 128);
        Block ref = Mamba2Testing.PROVIDER.create(cfg, new MapWeights("bench", w), Backend.REFERENCE, Mamba2Testing.SERVICES);
        double r = time(ref, cfg, Mamba2Testing.slice(x, 0, tr), 1);
        System.out.printf("reference prefill T=%d: %.1f ms = %.0f tok/s%n", tr, r * 1e3, tr / r);
    }

    /** Best of {@code reps} timed runs after as many warm-up runs (at least 3), seconds. */
    private static double time(Block b, BlockConfig cfg, FloatTensor x, int reps) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < Math.max(3, reps) + reps; i++) {
            BlockState s = new BlockState(x.dim(0), Mamba2Testing.PROVIDER.stateLayout(cfg, 0));
            FloatTensor y = FloatTensor.zeros(x.shape());
            long t0 = System.nanoTime();
            b.prefill(x, new int[x.dim(0)], s, y);
            double dt = (System.nanoTime() - t0) / 1e9;
            if (i >= Math.max(3, reps)) best = Math.min(best, dt);
        }
        return best;
    }

    /** The GEMM replaced by copying random numbers, to time everything else. */
    private record CopyGemm(CpuOps pool, float[] noise) implements CpuOps {
        CopyGemm(CpuOps pool, int n) {
            this(pool, new float[n]);
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < n; i++) noise[i] = (float) r.nextGaussian();
        }

        @Override public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            System.arraycopy(noise, 0, y, yOff, m * n);
        }

        @Override public void parallelFor(int n, IntConsumer body) { pool.parallelFor(n, body); }

        @Override public int threads() { return pool.threads(); }
    }
}
