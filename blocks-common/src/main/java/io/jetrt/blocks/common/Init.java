package io.jetrt.blocks.common;

import io.jetrt.spi.FloatTensor;

import java.util.SplittableRandom;

/**
 * Seeded draws for the upstream initialisations (BLOCKS.md §3.7, §5, §6): what a block gets when it is
 * swapped into a layer whose checkpoint has no weights for it. Deterministic for a given seed.
 */
public final class Init {
    private final SplittableRandom rng;

    public Init(long seed) { this.rng = new SplittableRandom(seed); }

    /** N(0, std), as {@code _init_weights} does for every nn.Linear (std = initializer_range = 0.02). */
    public FloatTensor normal(double std, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (gaussian() * std);
        return t;
    }

    public FloatTensor uniform(double lo, double hi, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return t;
    }

    /** A_log = log U(lo, hi) per head: U(0,16) for JetBlock/GDN, U(1,16) for Mamba2. */
    public FloatTensor aLog(int heads, double lo, double hi) {
        FloatTensor t = FloatTensor.zeros(heads);
        for (int h = 0; h < heads; h++) {
            double u = lo + (hi - lo) * rng.nextDouble();
            t.data()[h] = (float) Math.log(Math.max(u, 1e-12));
        }
        return t;
    }

    /**
     * dt_bias = inverse softplus of dt, dt = exp(U(log 1e-3, log 0.1)) clamped to ≥ 1e-4:
     * {@code dt + log(-expm1(-dt))}.
     */
    public FloatTensor dtBias(int heads) {
        FloatTensor t = FloatTensor.zeros(heads);
        double lo = Math.log(1e-3), hi = Math.log(0.1);
        for (int h = 0; h < heads; h++) {
            double dt = Math.max(Math.exp(lo + (hi - lo) * rng.nextDouble()), 1e-4);
            t.data()[h] = (float) (dt + Math.log(-Math.expm1(-dt)));
        }
        return t;
    }

    public static FloatTensor ones(int... shape) { return FloatTensor.filled(1f, shape); }

    private double gaussian() {
        // Box-Muller on the splittable stream, so that draws do not depend on a global Random
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
