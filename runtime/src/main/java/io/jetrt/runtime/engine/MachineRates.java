package io.jetrt.runtime.engine;

import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.runtime.cuda.Cublas;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.cuda.Event;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.spi.CpuOps;

import java.util.Arrays;

/**
 * What the machine a model runs on can do, measured: the GEMM rate through the path the model's products take
 * and the copy bandwidth (bytes read plus written). Floors divide work by these: a figure next to its floor reads
 * as the implementation's share of what the hardware allows.
 *
 * @param gemmFlops FLOP/s of a large GEMM (CPU: the runtime's sgemm; GPU: cuBLAS bf16)
 * @param bandwidth B/s of a large copy, read + write
 * @param how       how it was measured, for the printout
 */
public record MachineRates(double gemmFlops, double bandwidth, String how) {

    /** The CPU's rates: best of twelve {@code [512, 1536] × [4096, 1536]ᵀ} through {@code ops}, best of five 256 MiB copies. */
    public static MachineRates cpu(CpuOps ops) {
        int m = 512, d = 1536, inter = 4096;
        float[] x = new float[m * d], w = new float[inter * d], y = new float[m * inter];
        Arrays.fill(x, 0.5f);
        Arrays.fill(w, 0.25f);
        if (ops instanceof Nd4jCpuOps nd) nd.registerWeight(w, inter, d); // as model weights are
        for (int r = 0; r < 3; r++) ops.linear(x, 0, w, 0, y, 0, m, inter, d); // warm-up
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 12; r++) {
            long t = System.nanoTime();
            ops.linear(x, 0, w, 0, y, 0, m, inter, d);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        float[] a = new float[64 << 20], b = new float[64 << 20];
        Arrays.fill(a, 1f);
        double copy = Double.MAX_VALUE;
        for (int r = 0; r < 5; r++) {
            long t = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            copy = Math.min(copy, (System.nanoTime() - t) / 1e9);
        }
        return new MachineRates(2.0 * m * inter * d / best, 2.0 * 4 * a.length / copy,
                "CPU: " + ops.getClass().getSimpleName() + " sgemm [512, 1536] x [4096, 1536]^T, " + ops.threads() + " threads; 256 MiB array copy");
    }

    /**
     * The GPU's rates, timed by events: best of ten bf16 GEMMs of the MLP's shape at 4096 rows (cuBLAS), best of five
     * device-to-device copies of 1 GiB.
     */
    public static MachineRates cuda(GpuContext ctx) {
        synchronized (ctx) {
            return new MachineRates(cudaGemm(ctx), cudaCopy(ctx), "GPU " + ctx.device()
                    + ": cuBLAS bf16 [4096, 1536] x [8960, 1536]^T; 1 GiB device copy");
        }
    }

    private static double cudaGemm(GpuContext ctx) {
        int m = 4096, n = 8960, k = 1536;
        try (DeviceBuffer x = ctx.device().alloc(DType.BF16, (long) m * k); DeviceBuffer w = ctx.device().alloc(DType.BF16, (long) n * k);
             DeviceBuffer y = ctx.device().alloc(DType.F32, (long) m * n); Event a = Event.create(ctx.device()); Event b = Event.create(ctx.device())) {
            x.fill(0.5f);
            w.fill(0.25f);
            Cublas c = ctx.cublas();
            for (int r = 0; r < 3; r++) c.linear(x, w, y, m, n, k);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 10; r++) {
                a.record(ctx.stream());
                c.linear(x, w, y, m, n, k);
                best = Math.min(best, b.record(ctx.stream()).millisSince(a) / 1e3);
            }
            return 2.0 * m * n * k / best;
        }
    }

    private static double cudaCopy(GpuContext ctx) {
        long bytes = 1L << 30;
        try (DeviceBuffer src = ctx.device().alloc(DType.I32, bytes / 4); DeviceBuffer dst = ctx.device().alloc(DType.I32, bytes / 4);
             Event a = Event.create(ctx.device()); Event b = Event.create(ctx.device())) {
            src.fill(1);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 6; r++) {
                a.record(ctx.stream());
                ctx.stream().copy(src.address(), dst.address(), bytes);
                double s = b.record(ctx.stream()).millisSince(a) / 1e3;
                if (r > 0) best = Math.min(best, s);
            }
            return 2.0 * bytes / best;
        }
    }
}
