package io.jetrt.blocks.common.grad;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunked (WY) backward against the per-token one, both float64: the math the CUDA chunk kernels run, at
 * shapes where chunks are partial (T not a multiple of C), single (T &lt; C) and many.
 */
class ChunkedGatedDeltaRuleGradTest {
    @ParameterizedTest(name = "T={0} C={1} Dk={2} Dv={3}")
    @CsvSource({"1, 64, 7, 5", "5, 4, 7, 5", "63, 64, 7, 5", "65, 64, 5, 9", "130, 64, 8, 6", "37, 8, 3, 4"})
    void equalsThePerTokenBackward(int tokens, int chunk, int dk, int dv) {
        SplittableRandom rng = new SplittableRandom(tokens * 31L + chunk);
        double[] q = unitRows(rng, tokens, dk, 1 / Math.sqrt(dk)), k = unitRows(rng, tokens, dk, 1);
        double[] v = uniform(rng, tokens * dv, -1, 1), g = uniform(rng, tokens, -1, 0), beta = uniform(rng, tokens, 0, 2);
        double[] dOut = uniform(rng, tokens * dv, -1, 1);
        GatedDeltaRuleGrad.Grads want = GatedDeltaRuleGrad.backward(tokens, dk, dv, q, k, v, g, beta, dOut);
        GatedDeltaRuleGrad.Grads got = ChunkedGatedDeltaRuleGrad.backward(tokens, dk, dv, chunk, q, k, v, g, beta, dOut);
        // both float64: each entry is a sum of O(T·Dk·Dv) products of O(1) factors, so rounding stays near
        // T·Dk·Dv·2⁻⁵³ ≈ 1e-12 of the largest entry; T = (I + A)⁻¹ of unit keys and β ≤ 2 adds at most a few digits
        // (at T = 1 from a zero state dg is exactly zero: then so must the chunked one be)
        close("dq", want.dq(), got.dq());
        close("dk", want.dk(), got.dk());
        close("dv", want.dv(), got.dv());
        close("dg", want.dg(), got.dg());
        close("dbeta", want.dBeta(), got.dBeta());
    }

    private static void close(String what, double[] want, double[] got) {
        double max = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(err <= 1e-9 * max, what + ": chunked vs per-token " + err + " of max " + max);
    }

    private static double[] unitRows(SplittableRandom rng, int rows, int n, double scale) {
        double[] x = uniform(rng, rows * n, -1, 1);
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < n; i++) ss += x[r * n + i] * x[r * n + i];
            for (int i = 0; i < n; i++) x[r * n + i] *= scale / Math.sqrt(ss);
        }
        return x;
    }

    private static double[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng.nextDouble();
        return x;
    }
}
