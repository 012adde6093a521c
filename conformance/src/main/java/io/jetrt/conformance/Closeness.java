package io.jetrt.conformance;

import io.jetrt.spi.FloatTensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * The one closeness measure of jetrt's tests, the one the golden files' tolerances are defined with
 * ({@code ../shared/fixtures/README.md}, "Tolerance"; {@code jetrt verify}): over a whole tensor,
 * <pre>  rel = max|got − exp| / max|exp|</pre>
 * A float32 implementation reaches {@code rel ≤ 1e-4} against the reference ({@link BlockConformance#TOLERANCE}).
 * Normalising by the largest expected value, not element by element, keeps elements near zero (where a relative
 * error per element is only rounding noise) from deciding the result.
 */
public final class Closeness {
    private Closeness() {}

    /**
     * How far {@code got} is from {@code expected}, and where the largest gap is ({@code at}, a flat index). {@code rel}
     * is 0 when they are equal, infinite when only {@code got} is non-zero or a value is NaN (at its index).
     */
    public record Diff(double rel, double maxAbs, double maxRef, int at) {}

    public static Diff diff(float[] expected, float[] got) { return diff(i -> expected[i], expected.length, got); }

    public static Diff diff(double[] expected, float[] got) { return diff(i -> expected[i], expected.length, got); }

    private static Diff diff(IntToDoubleFunction expected, int n, float[] got) {
        if (got.length != n) throw new IllegalArgumentException("got has " + got.length + " values; expected has " + n);
        double maxAbs = 0, maxRef = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            double e = expected.applyAsDouble(i), d = Math.abs(got[i] - e);
            if (Double.isNaN(d)) return new Diff(Double.POSITIVE_INFINITY, d, maxRef, i);
            if (d > maxAbs) {
                maxAbs = d;
                at = i;
            }
            maxRef = Math.max(maxRef, Math.abs(e));
        }
        double rel = maxAbs == 0 ? 0 : maxRef == 0 ? Double.POSITIVE_INFINITY : maxAbs / maxRef;
        return new Diff(rel, maxAbs, maxRef, at);
    }

    /**
     * Fails unless {@code got} has {@code expected}'s shape, holds only finite values (tests poison outputs with NaN,
     * so NaN means never written) and {@code rel ≤ tol}. An all-zero {@code expected} fails too: the check would say
     * nothing. The message starts with {@code what} and names the multi-index of the largest gap.
     */
    public static void assertClose(FloatTensor expected, FloatTensor got, double tol, String what) {
        if (!Arrays.equals(expected.shape(), got.shape())) {
            throw new AssertionError(what + ": shape " + Arrays.toString(got.shape()) + " differs from " + Arrays.toString(expected.shape()));
        }
        check(diff(expected.data(), got.data()), got.data(), expected.shape(), tol, what);
    }

    /** {@link #assertClose(FloatTensor, FloatTensor, double, String)} over flat arrays. */
    public static void assertClose(float[] expected, float[] got, double tol, String what) {
        check(diff(expected, got), got, new int[] {expected.length}, tol, what);
    }

    /** {@link #assertClose(FloatTensor, FloatTensor, double, String)} against a float64 expectation. */
    public static void assertClose(double[] expected, float[] got, double tol, String what) {
        check(diff(expected, got), got, new int[] {expected.length}, tol, what);
    }

    private static void check(Diff d, float[] got, int[] shape, double tol, String what) {
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) {
                throw new AssertionError(what + ": " + got[i] + " at " + Tensors.index(shape, i) + " (NaN: never written)");
            }
        }
        if (!(d.rel() <= tol)) {
            throw new AssertionError(String.format(Locale.ROOT, "%s: relative error %.3g > %.0e (max|got - exp| %.3g at %s, max|exp| %.3g)",
                    what, d.rel(), tol, d.maxAbs(), Tensors.index(shape, d.at()), d.maxRef()));
        }
        if (d.maxRef() == 0) throw new AssertionError(what + ": expected is all zeros, the check would say nothing");
    }
}
