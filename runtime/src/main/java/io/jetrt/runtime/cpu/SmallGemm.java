package io.jetrt.runtime.cpu;

import java.util.function.IntConsumer;

/**
 * {@code y[m, n] = x[m, k] · w[n, k]ᵀ} in plain Java for products too small to repay a BLAS call's fixed
 * cost (a decode step of a small model is dozens of such calls). Output columns are split across workers;
 * four independent accumulators per dot product keep the FP units busy.
 */
final class SmallGemm {
    private SmallGemm() {}

    static void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k,
                       int workers, java.util.function.BiConsumer<Integer, IntConsumer> parallelFor) {
        int chunks = Math.max(1, Math.min(workers * 2, n / 64));
        int per = (n + chunks - 1) / chunks;
        IntConsumer body = c -> {
            int from = c * per, to = Math.min(n, from + per);
            for (int r = 0; r < m; r++) {
                int xr = xOff + r * k, yr = yOff + r * n;
                for (int o = from; o < to; o++) y[yr + o] = dot(x, xr, w, wOff + o * k, k);
            }
        };
        if (chunks == 1) body.accept(0);
        else parallelFor.accept(chunks, body);
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int k) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < k; j += 4) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
        }
        for (; j < k; j++) s0 += a[ao + j] * b[bo + j];
        return (s0 + s1) + (s2 + s3);
    }
}
