package io.jetrt.runtime.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * {@code y[m, n] = x[m, k] · w[n, k]ᵀ} for few rows (a decode step), with SIMD dot products: each weight
 * row is streamed once for up to four input rows at a time, output rows are split across workers. A
 * one-row product of Jet-Nemotron-2B's MLP shape runs at 24-29 GB/s of weights here (memory bound), where
 * OpenBLAS sgemm reaches about 4.5 GB/s (it packs the weight on every call) and sgemv about 9 GB/s.
 * Loading this class needs {@code jdk.incubator.vector}: check {@link Nd4jCpuOps#simdAvailable()} first.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorGemm() {}

    static void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k,
                       int workers, BiConsumer<Integer, IntConsumer> parallelFor) {
        int chunks = Math.max(1, Math.min(workers * 8, n / 32));
        int per = (n + chunks - 1) / chunks;
        IntConsumer body = c -> {
            int from = c * per, to = Math.min(n, from + per);
            for (int r = 0; r < m; r += 4) {
                int rows = Math.min(4, m - r);
                for (int o = from; o < to; o++) dots(x, xOff + r * k, rows, k, w, wOff + o * k, y, yOff + r * n + o, n);
            }
        };
        if (chunks == 1) body.accept(0);
        else parallelFor.accept(chunks, body);
    }

    /** {@code y[yAt + i·n] = x_i · w_row} for {@code rows} (1-4) consecutive input rows. */
    private static void dots(float[] x, int xAt, int rows, int k, float[] w, int wAt, float[] y, int yAt, int n) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int len = S.length(), j = 0;
        for (; j + len <= k; j += len) {
            FloatVector wv = FloatVector.fromArray(S, w, wAt + j);
            a0 = wv.fma(FloatVector.fromArray(S, x, xAt + j), a0);
            if (rows > 1) a1 = wv.fma(FloatVector.fromArray(S, x, xAt + k + j), a1);
            if (rows > 2) a2 = wv.fma(FloatVector.fromArray(S, x, xAt + 2 * k + j), a2);
            if (rows > 3) a3 = wv.fma(FloatVector.fromArray(S, x, xAt + 3 * k + j), a3);
        }
        FloatVector[] acc = {a0, a1, a2, a3};
        for (int i = 0; i < rows; i++) {
            float s = acc[i].reduceLanes(VectorOperators.ADD);
            int xi = xAt + i * k;
            for (int t = j; t < k; t++) s += w[wAt + t] * x[xi + t];
            y[yAt + i * n] = s;
        }
    }
}
