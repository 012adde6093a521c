package io.jetrt.runtime.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Timing harness, not a test (surefire skips *Bench): launch cost of one kernel launched directly, with a
 * fresh {@code Pointer.to} argument array per launch (the pattern {@link Launcher} avoids) and replayed
 * from a CUDA graph; device copy bandwidth through residual_add; cuBLAS GemmEx bf16 and Sgemm at 4096³.
 * Device times from events, medians over repeats after warm-up, random (never zero) inputs.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... io.jetrt.runtime.cuda.CudaBench</pre>
 */
public final class CudaBench {
    public static void main(String[] args) {
        CudaDriver.Status st = CudaDriver.status();
        if (!st.available()) {
            System.out.println("CudaBench: " + st.reason());
            return;
        }
        try (CudaDevice d = CudaDevice.open(0); Stream s = Stream.create(d); DenseKernels k = DenseKernels.load(d);
             Event e0 = Event.create(d); Event e1 = Event.create(d)) {
            System.out.printf("device: %s, %d SMs, %.1f GiB, driver %d%n", d, d.multiprocessors(), d.totalMemory() / 1073741824.0, st.driverVersion());
            StringBuilder table = new StringBuilder();

            // launch cost: host time per launch over many launches, queue drained at the end
            int launches = 20_000;
            try (DeviceBuffer a = d.alloc(DType.F32, 4096); DeviceBuffer b = d.alloc(DType.F32, 4096)) {
                a.fill(1f);
                b.fill(0.5f);
                double noop = hostMicros(s, launches, () -> k.noop(s));
                double small = hostMicros(s, launches, () -> k.residualAdd(s, a, b, 4096));
                CudaFunction f = k.module().function("residual_add_kernel1");
                var pa = a.pointer(); var pb = b.pointer();
                double fresh = hostMicros(s, launches, () -> {
                    Pointer params = Pointer.to(Pointer.to(pa), Pointer.to(pb), Pointer.to(new long[] {4096}));
                    CudaException.check(JJ.launch(f, s, params), "cuLaunchKernel");
                });
                double graphNoop = graphMicros(s, e0, e1, 100, () -> k.noop(s));
                double graphSmall = graphMicros(s, e0, e1, 100, () -> k.residualAdd(s, a, b, 4096));
                row(table, "launch noop_kernel, Launcher", noop, "us/launch (host)");
                row(table, "launch residual_add 4096, Launcher", small, "us/launch (host)");
                row(table, "launch residual_add 4096, fresh Pointer.to", fresh, "us/launch (host)");
                row(table, "graph replay noop_kernel x100", graphNoop, "us/kernel (events)");
                row(table, "graph replay residual_add 4096 x100", graphSmall, "us/kernel (events)");
            }

            // bandwidth: h += x over 64M floats moves 3 x 256 MiB
            long n = 64L << 20;
            try (DeviceBuffer h = d.alloc(DType.F32, n); DeviceBuffer x = d.alloc(DType.F32, n)) {
                h.fill(0.25f);
                x.fill(1e-7f);
                double ms = eventMillis(s, e0, e1, 20, () -> k.residualAdd(s, h, x, n));
                row(table, "residual_add 64M f32 (12 B/elem)", 12.0 * n / (ms * 1e-3) / 1e9, "GB/s");
            }

            // GEMM rate, 4096^3, y[m,n] = x[m,k] w[n,k]^T
            int m = 4096;
            SplittableRandom rnd = new SplittableRandom(4096);
            float[] host = new float[m * m];
            for (int i = 0; i < host.length; i++) host[i] = (float) (rnd.nextDouble() - 0.5);
            try (Cublas blas = Cublas.create(d, s); DeviceBuffer xb = d.alloc(DType.BF16, (long) m * m); DeviceBuffer wb = d.alloc(DType.BF16, (long) m * m);
                 DeviceBuffer xf = d.alloc(DType.F32, (long) m * m); DeviceBuffer wf = d.alloc(DType.F32, (long) m * m);
                 DeviceBuffer y = d.alloc(DType.F32, (long) m * m)) {
                System.out.println("cuBLAS " + blas.version() + " from " + blas.library());
                xb.upload(host);
                xf.upload(host);
                for (int i = 0; i < host.length; i++) host[i] = (float) (rnd.nextDouble() - 0.5);
                wb.upload(host);
                wf.upload(host);
                double flops = 2.0 * m * m * m;
                double bf = eventMillis(s, e0, e1, 30, () -> blas.linear(xb, wb, y, m, m, m));
                double sg = eventMillis(s, e0, e1, 10, () -> blas.linearF32(xf, wf, y, m, m, m));
                row(table, "cublasGemmEx bf16->f32 4096^3", flops / (bf * 1e-3) / 1e12, "TFLOP/s (" + String.format("%.3f ms", bf) + ")");
                row(table, "cublasSgemm f32 4096^3", flops / (sg * 1e-3) / 1e12, "TFLOP/s (" + String.format("%.3f ms", sg) + ")");
            }
            System.out.print(table);
        }
    }

    /** JCuda's launch with a caller-made parameter pointer (the per-launch allocation being measured). */
    private static final class JJ {
        static int launch(CudaFunction f, Stream s, Pointer params) {
            return JCudaDriver.cuLaunchKernel(f.handle(), 16, 1, 1, 256, 1, 1, 0, s.handle(), params, null);
        }
    }

    private static double hostMicros(Stream s, int n, Runnable launch) {
        for (int i = 0; i < 2000; i++) launch.run(); // warm-up: JIT, driver queues
        s.synchronize();
        double[] rounds = new double[5];
        for (int r = 0; r < rounds.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) launch.run();
            s.synchronize();
            rounds[r] = (System.nanoTime() - t0) / 1e3 / n;
        }
        return median(rounds);
    }

    /** Device microseconds per kernel of a graph of {@code perGraph} copies of {@code launch}. */
    private static double graphMicros(Stream s, Event e0, Event e1, int perGraph, Runnable launch) {
        try (CudaGraph g = CudaGraph.capture(s, () -> { for (int i = 0; i < perGraph; i++) launch.run(); })) {
            return eventMillis(s, e0, e1, 50, () -> g.launch(s)) * 1e3 / perGraph;
        }
    }

    /** Median device milliseconds of {@code work} over {@code reps} after 3 warm-ups. */
    private static double eventMillis(Stream s, Event e0, Event e1, int reps, Runnable work) {
        for (int i = 0; i < 3; i++) work.run();
        s.synchronize();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            e0.record(s);
            work.run();
            e1.record(s);
            t[i] = e1.millisSince(e0);
        }
        return median(t);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static void row(StringBuilder t, String what, double value, String unit) {
        t.append(String.format("%-46s %10.3f %s%n", what, value, unit));
    }
}
