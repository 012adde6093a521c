package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Mamba2 CPU timings on a 2B-like shape (D 1536, d_inner 3072, H 48, P 64, N 128, G 1, B 1): the prefill of
 * T = 2048 split into GEMM time (plain-Java GEMM here, BLAS in the runtime) and the rest; the rest alone per
 * scan kernel, with the GEMM replaced by a copy of random numbers; short chunks per kernel; the reference.
 * Best of several runs after warm-up. Runs only with {@code -Dtest=Mamba2Bench -Djetrt.bench=true}.
 */
class Mamba2Bench {
    private static final BlockConfig CFG = new BlockConfig("2B-like mamba2", Map.of("hidden_size", 1536));

    @Test
    void twoBShape() {
        assumeTrue(Boolean.getBoolean("jetrt.bench"), "set -Djetrt.bench=true to run");
        int t = Integer.getInteger("jetrt.bench.tokens", 2048);
        Mamba2Config c = Mamba2Config.from(CFG);
        Map<String, FloatTensor> w = Mamba2Testing.PROVIDER.initWeights(CFG, 1);
        Mamba2Params p = Mamba2Params.from(c, new MapWeights("bench", w));
        FloatTensor x = new Init(2).normal(1, 1, t, c.hidden());
        TimedOps timed = new TimedOps(new PlainCpuOps());
        CpuOps noGemm = new CopyGemm(timed.plain, c.inProjRows() * t);
        double scanFlop = 5.0 * t * c.heads() * c.headDim() * c.stateSize();   // update 3, S·C 2 per state element
        System.out.printf("mamba2 bench: workers %d (+ caller), T %d, in_proj [%d, %d], out_proj [%d, %d], state [%d, %d, %d]%n",
                timed.threads(), t, c.inProjRows(), c.hidden(), c.hidden(), c.dInner(), c.heads(), c.headDim(), c.stateSize());

        for (int k : new int[] {1, 3}) {
            double s = best(new Mamba2Cpu(c, p, noGemm, k), x, 5);
            System.out.printf("  prefill without GEMM, scan kernel %d: %.1f ms (scan %.1f GFLOP of it)%n", k, s * 1e3, scanFlop / 1e9);
        }
        Block cpu = new Mamba2Cpu(c, p, timed);
        best(cpu, x, 1);
        timed.nanos.set(0);
        double full = once(cpu, x), gemm = timed.nanos.get() / 1e9;
        System.out.printf("  prefill, plain-Java GEMM: %.0f ms = %.0f tok/s; %.0f ms in linear (%.1f GFLOP), %.0f ms the rest%n",
                full * 1e3, t / full, gemm * 1e3, 2.0 * t * c.hidden() * (c.inProjRows() + c.dInner()) / 1e9, (full - gemm) * 1e3);
        for (int tt : new int[] {1, 2, 4}) {
            FloatTensor xs = Mamba2Testing.slice(x, 0, tt);
            for (int k : new int[] {1, 3}) {
                System.out.printf("  chunk T=%d without GEMM, scan kernel %d: %.3f ms%n", tt, k, best(new Mamba2Cpu(c, p, noGemm, k), xs, 200) * 1e3);
            }
        }
        System.out.printf("  decode step, plain-Java GEMM: %.2f ms%n", best(cpu, Mamba2Testing.slice(x, 0, 1), 50) * 1e3);
        int tr = Math.min(t, 128);
        Block ref = Mamba2Testing.PROVIDER.create(CFG, new MapWeights("bench", w), Backend.REFERENCE, Mamba2Testing.SERVICES);
        double r = best(ref, Mamba2Testing.slice(x, 0, tr), 1);
        System.out.printf("  reference prefill T=%d: %.0f ms = %.0f tok/s%n", tr, r * 1e3, tr / r);
    }

    /** Best of {@code reps} timed runs after as many warm-up runs (at least 3), in seconds; fresh state each. */
    private static double best(Block b, FloatTensor x, int reps) {
        double best = Double.MAX_VALUE;
        int warm = Math.max(3, reps);
        for (int i = 0; i < warm + reps; i++) {
            BlockState s = new BlockState(x.dim(0), Mamba2Testing.PROVIDER.stateLayout(CFG, 0));
            FloatTensor y = FloatTensor.zeros(x.shape());
            long t0 = System.nanoTime();
            b.prefill(x, new int[x.dim(0)], s, y);
            if (i >= warm) best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static double once(Block b, FloatTensor x) {
        BlockState s = new BlockState(x.dim(0), Mamba2Testing.PROVIDER.stateLayout(CFG, 0));
        long t0 = System.nanoTime();
        b.prefill(x, new int[x.dim(0)], s, FloatTensor.zeros(x.shape()));
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Plain ops that add up the time spent in linear. */
    private record TimedOps(CpuOps plain, AtomicLong nanos) implements CpuOps {
        TimedOps(CpuOps plain) { this(plain, new AtomicLong()); }

        @Override public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
            long t0 = System.nanoTime();
            plain.linear(x, xOff, w, wOff, y, yOff, m, n, k);
            nanos.addAndGet(System.nanoTime() - t0);
        }

        @Override public void parallelFor(int n, IntConsumer body) { plain.parallelFor(n, body); }

        @Override public int threads() { return plain.threads(); }
    }

    /** The GEMM replaced by a copy of random numbers, to time everything else with realistic values. */
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
