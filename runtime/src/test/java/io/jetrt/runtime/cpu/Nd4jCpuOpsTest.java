package io.jetrt.runtime.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every path of {@link Nd4jCpuOps#linear} — SIMD few-row, scalar small, BLAS — against a float64 reference,
 * at sizes that are not multiples of any vector length, at non-zero offsets, with the output poisoned.
 */
class Nd4jCpuOpsTest {
    static final Nd4jCpuOps OPS = new Nd4jCpuOps(), SCALAR = new Nd4jCpuOps(false);

    @Test
    void simdPathIsAvailableUnderTheTestJvm() {
        assertTrue(Nd4jCpuOps.simdAvailable(), "surefire starts the JVM with --add-modules jdk.incubator.vector");
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} registered={3}")
    @CsvSource({"1,37,129,true", "3,300,1536,false", "9,200,100,false", "130,257,129,false"})
    void scalarPathEqualsFloat64Reference(int m, int n, int k, boolean registered) {
        check(SCALAR, m, n, k, registered);
    }

    /** A sequence's row gets the same bits alone and in a batch (the SIMD kernels sum in one order). */
    @Test
    void aRowIsComputedTheSameAloneAndInABatch() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 257, k = 1536 + 7;
        float[] w = random(rng, n * k), x = random(rng, 6 * k), batch = new float[6 * n];
        OPS.linear(x, 0, w, 0, batch, 0, 6, n, k);
        for (int r = 0; r < 6; r++) {
            float[] alone = new float[n];
            OPS.linear(x, r * k, w, 0, alone, 0, 1, n, k);
            for (int o = 0; o < n; o++) assertEquals(alone[o], batch[r * n + o], 0f, "row " + r + " of 6, column " + o);
        }
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} registered={3}")
    @CsvSource({"1,1,1,false", "1,37,129,true", "2,129,37,false", "3,300,1536,true", "4,65,33,false", "5,63,17,true",
                "8,513,257,true", "9,200,100,false", "64,96,300,true", "130,257,129,false", "256,512,128,true"})
    void linearEqualsFloat64Reference(int m, int n, int k, boolean registered) {
        check(OPS, m, n, k, registered);
    }

    private static void check(Nd4jCpuOps ops, int m, int n, int k, boolean registered) {
        SplittableRandom rng = new SplittableRandom(m * 1000L + n * 10L + k);
        int xOff = 3, wOff = registered ? 0 : 5, yOff = 7;
        float[] x = random(rng, xOff + m * k), w = random(rng, wOff + n * k), y = new float[yOff + m * n + 2];
        Arrays.fill(y, Float.NaN);
        if (registered) ops.registerWeight(w, n, k);
        ops.linear(x, xOff, w, wOff, y, yOff, m, n, k);
        double maxErr = 0, maxRef = 0;
        for (int r = 0; r < m; r++) {
            for (int o = 0; o < n; o++) {
                double ref = 0;
                for (int j = 0; j < k; j++) ref += (double) x[xOff + r * k + j] * w[wOff + o * k + j];
                float got = y[yOff + r * n + o];
                assertTrue(Float.isFinite(got), "y[" + r + ", " + o + "] not written");
                maxErr = Math.max(maxErr, Math.abs(got - ref));
                maxRef = Math.max(maxRef, Math.abs(ref));
            }
        }
        assertTrue(maxErr / maxRef <= 1e-5, "m=" + m + " n=" + n + " k=" + k + ": rel " + maxErr / maxRef);
        for (int i = 0; i < yOff; i++) assertTrue(Float.isNaN(y[i]), "wrote before the output region");
        assertTrue(Float.isNaN(y[yOff + m * n]) && Float.isNaN(y[yOff + m * n + 1]), "wrote past the output region");
    }

    @Test
    void parallelForVisitsEveryIndexOnce() {
        for (int n : new int[] {1, 2, 3, 1000}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(n);
            OPS.parallelFor(n, seen::incrementAndGet);
            for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n);
        }
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rng.nextDouble() * 2 - 1);
        return a;
    }
}
