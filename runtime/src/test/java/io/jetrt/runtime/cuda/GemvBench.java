package io.jetrt.runtime.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Timing harness, not a test (surefire skips *Bench): the decode gemv ({@link DenseKernels#gemv}, y[m, n] =
 * x[m, k] · w[n, k]ᵀ, bf16 w) at the 2B Jet-Nemotron's batch-1 shapes, m = 1 and 4, as achieved weight bandwidth
 * (n·k·2 bytes over the device time). A CUDA graph launches the kernel over copies of w in turn (at least 4
 * launches, copies spanning at least 256 MB) so the weight comes from memory, not the 50 MB L2, and the host
 * launch rate does not limit small shapes; the device time per launch is the median over 50 replays after
 * warm-up (events). Kernel-to-kernel gaps are included, as in the replayed decode graph.
 * Besides the launcher's own choice it times gemv_bf16_m<M>_kernel1 under the launcher's previous rule (wpr = 1
 * when n / 4 row groups fill 4 blocks of 8 warps per multiprocessor, else 8), and any extra kernels named like
 * {@code gemv_bf16_m<M>_r<R>_u<U>_w<WARPS>_kernel<V>} found in the module (variants under study), at each
 * wpr that divides WARPS, after checking each against the launcher's output on random data.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... io.jetrt.runtime.cuda.GemvBench</pre>
 */
public final class GemvBench {
    /** n, k, uses per decode step of the 2B model. */
    static final int[][] SHAPES = {
            {17920, 1536, 28}, {1536, 8960, 28}, {8448, 1536, 24}, {1536, 3072, 24}, {12288, 384, 24},
            {384, 1536, 24}, {2048, 1536, 4}, {151936, 1536, 1}};
    static final int[] MS = {1, 2, 4, 8};
    static final long SPAN = 256L << 20;

    record Variant(String name, int m, int rows, int unroll, int warps) {}

    public static void main(String[] args) {
        CudaDriver.Status st = CudaDriver.status();
        if (!st.available()) {
            System.out.println("GemvBench: " + st.reason());
            return;
        }
        try (CudaDevice d = CudaDevice.open(0); Stream s = Stream.create(d); DenseKernels k = DenseKernels.load(d);
             Event e0 = Event.create(d); Event e1 = Event.create(d)) {
            System.out.printf("device: %s, %d SMs%n", d, d.multiprocessors());
            List<Variant> variants = new ArrayList<>();
            for (int m : MS)
                for (int r : new int[] {1, 2, 4, 8})
                    for (int u : new int[] {1, 2, 4})
                        for (int wa : new int[] {4, 8})
                            for (int v = 2; v <= 9; v++) {
                                String name = "gemv_bf16_m" + m + "_r" + r + "_u" + u + "_w" + wa + "_kernel" + v;
                                try {
                                    k.module().function(name);
                                    variants.add(new Variant(name, m, r, u, wa));
                                } catch (RuntimeException e) {
                                    // not in this build
                                }
                            }
            System.out.println("variants: " + variants.size());
            StringBuilder summary = new StringBuilder();
            double[] stepBase = new double[MS.length], stepBest = new double[MS.length], stepOld = new double[MS.length];
            SplittableRandom rnd = new SplittableRandom(1536);
            for (int[] shape : SHAPES) {
                int n = shape[0], kk = shape[1], uses = shape[2];
                long bytes = 2L * n * kk;
                int copies = (int) Math.max(1, (SPAN + bytes - 1) / bytes);
                int perRound = Math.max(4, copies);
                try (DeviceBuffer w = d.alloc(DType.BF16, (long) copies * n * kk); DeviceBuffer x = d.alloc(DType.F32, 8L * kk);
                     DeviceBuffer y = d.alloc(DType.F32, 8L * n)) {
                    w.fill(0.01f);
                    int chunk = 1 << 22;
                    float[] buf = new float[chunk];
                    for (long at = 0; at < (long) n * kk; at += chunk) {
                        int c = (int) Math.min(chunk, (long) n * kk - at);
                        for (int i = 0; i < c; i++) buf[i] = (float) (rnd.nextDouble() - 0.5);
                        w.upload(buf, 0, c, at);
                    }
                    float[] xs = new float[8 * kk];
                    for (int i = 0; i < xs.length; i++) xs[i] = (float) (rnd.nextDouble() - 0.5);
                    x.upload(xs);
                    for (int mi = 0; mi < MS.length; mi++) {
                        int m = MS[mi];
                        long wa = w.address(), xa = x.address(), ya = y.address();
                        // reference output: the launcher's own choice on copy 0
                        y.fill(Float.NaN);
                        k.gemv(s, ya, xa, wa, m, n, kk, true);
                        s.synchronize();
                        float[] ref = Arrays.copyOf(y.download(), m * n);
                        double base = micros(s, e0, e1, perRound, c -> k.gemv(s, ya, xa, wa + bytes * (c % copies), m, n, kk, true));
                        String line = String.format("%6d x %-5d m=%d  %-40s %9.2f us %8.1f GB/s", n, kk, m, "launcher (current)", base, bytes / base / 1e3);
                        System.out.println(line);
                        int mc = m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
                        Launcher v1 = new Launcher(k.module().function("gemv_bf16_m" + mc + "_kernel1"), 7);
                        int groups1 = (n + 3) / 4, wpr1 = groups1 >= 4 * 8 * d.multiprocessors() ? 1 : 8, grid1 = (groups1 + 8 / wpr1 - 1) / (8 / wpr1);
                        v1.address(0, ya).address(1, xa).address(2, wa).i32(3, m).i32(4, n).i32(5, kk).i32(6, wpr1);
                        y.fill(Float.NaN);
                        v1.launch(s, grid1, 256);
                        s.synchronize();
                        report(n, kk, m, "kernel1, previous rule", wpr1, y.download(), ref);
                        double old = micros(s, e0, e1, perRound, c -> v1.address(2, wa + bytes * (c % copies)).launch(s, grid1, 256));
                        System.out.printf("%6d x %-5d m=%d  %-40s %9.2f us %8.1f GB/s%n", n, kk, m, "kernel1, previous rule wpr=" + wpr1, old, bytes / old / 1e3);
                        stepOld[mi] += uses * old;
                        double best = base;
                        String bestName = "launcher";
                        for (Variant v : variants) {
                            if (v.m() != m) continue;
                            Launcher l = new Launcher(k.module().function(v.name()), 7);
                            for (int wpr : new int[] {1, 2, 4, 8}) {
                                if (v.warps() % wpr != 0) continue;
                                int groups = (n + v.rows() - 1) / v.rows(), perBlock = v.warps() / wpr;
                                int grid = (groups + perBlock - 1) / perBlock, block = 32 * v.warps();
                                y.fill(Float.NaN);
                                l.address(0, ya).address(1, xa).address(2, wa).i32(3, m).i32(4, n).i32(5, kk).i32(6, wpr).launch(s, grid, block);
                                s.synchronize();
                                if (!report(n, kk, m, v.name(), wpr, y.download(), ref)) continue;
                                double t = micros(s, e0, e1, perRound, c -> l.address(2, wa + bytes * (c % copies)).launch(s, grid, block));
                                System.out.printf("%6d x %-5d m=%d  %-32s wpr=%d %9.2f us %8.1f GB/s%n", n, kk, m, v.name(), wpr, t, bytes / t / 1e3);
                                if (t < best) {
                                    best = t;
                                    bestName = v.name() + " wpr=" + wpr;
                                }
                            }
                        }
                        stepBase[mi] += uses * base;
                        stepBest[mi] += uses * best;
                        summary.append(String.format("%6d x %-5d m=%d x%-3d previous rule %8.2f us %7.1f GB/s | current %8.2f us %7.1f GB/s | best %8.2f us %7.1f GB/s %s%n",
                                n, kk, m, uses, old, bytes / old / 1e3, base, bytes / base / 1e3, best, bytes / best / 1e3, bestName));
                    }
                }
            }
            System.out.println("\nsummary (device us per launch, weight GB/s):");
            System.out.print(summary);
            for (int mi = 0; mi < MS.length; mi++) {
                System.out.printf("per decode step, m=%d: previous rule %.1f us, current %.1f us, best per shape %.1f us%n", MS[mi], stepOld[mi], stepBase[mi], stepBest[mi]);
            }
        }
    }

    /** Whether {@code got} matches the launcher's {@code ref} (fp32 sums in another order); prints a MISMATCH line if not. */
    private static boolean report(int n, int k, int m, String what, int wpr, float[] got, float[] ref) {
        double err = 0, scale = 1e-6;
        for (int i = 0; i < ref.length; i++) {
            err = Math.max(err, Math.abs(got[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        for (int i = 0; i < ref.length; i++) if (Float.isNaN(ref[i])) err = Double.NaN;
        if (err <= 1e-4 * scale) return true; // NaN fails too
        System.out.printf("%6d x %-5d m=%d  %-32s wpr=%d MISMATCH max err %.3g (scale %.3g)%n", n, k, m, what, wpr, err, scale);
        return false;
    }

    /** Median device microseconds per launch: a graph of {@code perGraph} launches (copy 0, 1, ...) replayed 50 times after 3. */
    private static double micros(Stream s, Event e0, Event e1, int perGraph, IntConsumer launch) {
        try (CudaGraph g = CudaGraph.capture(s, () -> { for (int j = 0; j < perGraph; j++) launch.accept(j); })) {
            for (int i = 0; i < 3; i++) g.launch(s);
            s.synchronize();
            double[] t = new double[50];
            for (int i = 0; i < t.length; i++) {
                e0.record(s);
                g.launch(s);
                e1.record(s);
                t[i] = e1.millisSince(e0) * 1e3 / perGraph;
            }
            Arrays.sort(t);
            return t[t.length / 2];
        }
    }
}
