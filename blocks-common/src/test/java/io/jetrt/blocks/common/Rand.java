package io.jetrt.blocks.common;

import java.util.SplittableRandom;

/** Seeded test data. */
final class Rand {
    private Rand() {}

    static float[] normal(SplittableRandom rng, double std, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    static float[] uniform(SplittableRandom rng, double lo, double hi, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    /** {@code max|got − exp| / max|exp|}. */
    static double rel(float[] got, float[] exp) {
        double num = 0, den = 0;
        for (int i = 0; i < exp.length; i++) {
            double d = Math.abs((double) got[i] - exp[i]);
            num = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(num, d);
            den = Math.max(den, Math.abs(exp[i]));
        }
        return den == 0 ? num : num / den;
    }
}
