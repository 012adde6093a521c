package io.jetrt.blocks.common;

import io.jetrt.spi.CpuOps;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * {@link CpuOps} in plain Java: blocked loops and the common fork-join pool. Used by block unit tests
 * and by the runtime when no BLAS is available; the runtime's BLAS-backed ops must give the same results.
 */
public final class PlainCpuOps implements CpuOps {

    @Override
    public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
        IntStream.range(0, m).parallel().forEach(r -> {
            int xr = xOff + r * k, yr = yOff + r * n;
            for (int o = 0; o < n; o++) {
                int wr = wOff + o * k;
                float acc = 0f;
                for (int j = 0; j < k; j++) acc += x[xr + j] * w[wr + j];
                y[yr + o] = acc;
            }
        });
    }

    @Override
    public void parallelFor(int n, IntConsumer body) {
        IntStream.range(0, n).parallel().forEach(body);
    }

    @Override
    public int threads() { return ForkJoinPool.getCommonPoolParallelism() + 1; }
}
