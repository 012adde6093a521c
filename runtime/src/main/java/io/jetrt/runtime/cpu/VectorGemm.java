package io.jetrt.runtime.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * {@code y[m, n] = x[m, k] · w[n, k]ᵀ} for few rows (a decode step), with SIMD dot products: each weight
 * row is streamed once for four input rows at a time, output rows are split across workers. A one-row
 * product of Jet-Nemotron-2B's MLP shape runs at 24-29 GB/s of weights here (memory bound), where OpenBLAS
 * sgemm reaches about 4.5 GB/s (it packs the weight on every call) and sgemv about 9 GB/s.
 * Loading this class needs {@code jdk.incubator.vector}: check {@link Nd4jCpuOps#simdAvailable()} first.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Below this many multiply-adds, splitting across workers costs more than it saves (tiny-jet decode: 2x). */
    private static final long PARALLEL_MACS = 1L << 20;

    private VectorGemm() {}

    static void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k,
                       int workers, BiConsumer<Integer, IntConsumer> parallelFor) {
        int chunks = (long) m * n * k < PARALLEL_MACS ? 1 : Math.max(1, Math.min(workers * 8, n / 32));
        int per = (n + chunks - 1) / chunks;
        IntConsumer body = c -> {
            int from = c * per, to = Math.min(n, from + per);
            int r = 0;
            for (; r + 4 <= m; r += 4) {
                for (int o = from; o < to; o++) dots4(x, xOff + r * k, k, w, wOff + o * k, y, yOff + r * n + o, n);
            }
            for (; r < m; r++) {
                for (int o = from; o < to; o++) y[yOff + r * n + o] = dot(x, xOff + r * k, w, wOff + o * k, k);
            }
        };
        if (chunks == 1) body.accept(0);
        else parallelFor.accept(chunks, body);
    }

    // Branch-free kernels: a conditional FMA inside the loop kept C2 from holding the vectors in registers
    // (2B decode streamed about 10 GB/s of weights with one; see the closing note of the CPU issue).

    /**
     * The lanes summed in index order. {@code reduceLanes(ADD)} may add in any order, and the interpreted
     * and compiled forms do differ, so a model's first forward pass and later ones disagreed in the last bits.
     */
    private static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** {@code x · w} over {@code k} values, two accumulators. */
    private static float dot(float[] x, int xAt, float[] w, int wAt, int k) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        int len = S.length(), j = 0;
        for (; j + 2 * len <= k; j += 2 * len) {
            a0 = FloatVector.fromArray(S, w, wAt + j).fma(FloatVector.fromArray(S, x, xAt + j), a0);
            a1 = FloatVector.fromArray(S, w, wAt + j + len).fma(FloatVector.fromArray(S, x, xAt + j + len), a1);
        }
        if (j + len <= k) {
            a0 = FloatVector.fromArray(S, w, wAt + j).fma(FloatVector.fromArray(S, x, xAt + j), a0);
            j += len;
        }
        float s = sum(a0.add(a1));
        for (; j < k; j++) s += w[wAt + j] * x[xAt + j];
        return s;
    }

    /**
     * {@code y[yAt + i·n] = x_i · w} for four consecutive input rows: the weight row is read once. Each row is
     * summed in exactly the order of {@link #dot}, so a sequence gets the same bits alone or in a batch.
     */
    private static void dots4(float[] x, int xAt, int k, float[] w, int wAt, float[] y, int yAt, int n) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        int len = S.length(), j = 0;
        for (; j + 2 * len <= k; j += 2 * len) {
            FloatVector wa = FloatVector.fromArray(S, w, wAt + j), wb = FloatVector.fromArray(S, w, wAt + j + len);
            a0 = wa.fma(FloatVector.fromArray(S, x, xAt + j), a0);
            b0 = wb.fma(FloatVector.fromArray(S, x, xAt + j + len), b0);
            a1 = wa.fma(FloatVector.fromArray(S, x, xAt + k + j), a1);
            b1 = wb.fma(FloatVector.fromArray(S, x, xAt + k + j + len), b1);
            a2 = wa.fma(FloatVector.fromArray(S, x, xAt + 2 * k + j), a2);
            b2 = wb.fma(FloatVector.fromArray(S, x, xAt + 2 * k + j + len), b2);
            a3 = wa.fma(FloatVector.fromArray(S, x, xAt + 3 * k + j), a3);
            b3 = wb.fma(FloatVector.fromArray(S, x, xAt + 3 * k + j + len), b3);
        }
        if (j + len <= k) {
            FloatVector wa = FloatVector.fromArray(S, w, wAt + j);
            a0 = wa.fma(FloatVector.fromArray(S, x, xAt + j), a0);
            a1 = wa.fma(FloatVector.fromArray(S, x, xAt + k + j), a1);
            a2 = wa.fma(FloatVector.fromArray(S, x, xAt + 2 * k + j), a2);
            a3 = wa.fma(FloatVector.fromArray(S, x, xAt + 3 * k + j), a3);
            j += len;
        }
        float s0 = sum(a0.add(b0)), s1 = sum(a1.add(b1)), s2 = sum(a2.add(b2)), s3 = sum(a3.add(b3));
        for (; j < k; j++) {
            float wj = w[wAt + j];
            s0 += wj * x[xAt + j];
            s1 += wj * x[xAt + k + j];
            s2 += wj * x[xAt + 2 * k + j];
            s3 += wj * x[xAt + 3 * k + j];
        }
        y[yAt] = s0;
        y[yAt + n] = s1;
        y[yAt + 2 * n] = s2;
        y[yAt + 3 * n] = s3;
    }
}
