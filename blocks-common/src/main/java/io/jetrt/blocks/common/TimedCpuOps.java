package io.jetrt.blocks.common;

import io.jetrt.spi.CpuOps;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/** {@link CpuOps} that adds up the time spent in {@link #linear}, for benchmarks that split GEMM from the rest. */
public final class TimedCpuOps implements CpuOps {
    private final CpuOps inner;
    /** Nanoseconds spent in linear since the last reset. */
    public final AtomicLong linearNanos = new AtomicLong();

    public TimedCpuOps(CpuOps inner) { this.inner = inner; }

    @Override
    public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
        long t0 = System.nanoTime();
        inner.linear(x, xOff, w, wOff, y, yOff, m, n, k);
        linearNanos.addAndGet(System.nanoTime() - t0);
    }

    @Override public void parallelFor(int n, IntConsumer body) { inner.parallelFor(n, body); }

    @Override public int threads() { return inner.threads(); }
}
