package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test helpers: running blocks on poisoned outputs, slicing {@code [B, T, D]} tensors, relative error. */
final class Harness {
    static final BlockServices SERVICES = PlainCpuOps::new;

    private Harness() {}

    /** {@code rel = max|got − exp| / max|exp|} over the whole tensor (the absolute error when exp is all zero). */
    static double rel(FloatTensor got, FloatTensor exp) {
        double num = 0, den = 0;
        float[] g = got.data(), e = exp.data();
        for (int i = 0; i < e.length; i++) {
            double diff = Math.abs((double) g[i] - e[i]);
            num = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.max(num, diff);
            den = Math.max(den, Math.abs(e[i]));
        }
        return den == 0 ? num : num / den;
    }

    static void assertClose(String what, FloatTensor got, FloatTensor exp, double tol) {
        assertTrue(Arrays.equals(got.shape(), exp.shape()),
                what + ": shape " + Arrays.toString(got.shape()) + " must be " + Arrays.toString(exp.shape()));
        double r = rel(got, exp);
        assertTrue(r <= tol, what + " " + Arrays.toString(exp.shape()) + ": rel " + r + " > " + tol);
    }

    /** Every slot of {@code got} against the same slot of {@code exp}. */
    static void assertStatesClose(String what, BlockState got, BlockState exp, double tol) {
        assertEquals(exp.tensors().keySet(), got.tensors().keySet(), what + ": state slots");
        for (Map.Entry<String, FloatTensor> e : exp.tensors().entrySet()) {
            assertClose(what + " state " + e.getKey(), got.get(e.getKey()), e.getValue(), tol);
        }
    }

    /** Prefill of {@code x [B, T, D]} into a NaN-poisoned output, so a skipped write fails the comparison. */
    static FloatTensor prefill(Block block, FloatTensor x, int seen, BlockState state) {
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        int[] positions = new int[x.dim(0)];
        Arrays.fill(positions, seen);
        block.prefill(x, positions, state, y);
        return y;
    }

    /** Token-by-token decode of {@code x [B, T, D]}, sequences having seen {@code seen} tokens; returns y {@code [B, T, D]}. */
    static FloatTensor decodeAll(Block block, FloatTensor x, int seen, BlockState state) {
        int tokens = x.dim(1);
        FloatTensor y = FloatTensor.filled(Float.NaN, x.shape());
        for (int t = 0; t < tokens; t++) {
            FloatTensor yt = FloatTensor.filled(Float.NaN, x.dim(0), 1, x.dim(2));
            int[] positions = new int[x.dim(0)];
            Arrays.fill(positions, seen + t);
            block.decode(tokens(x, t, t + 1), positions, state, yt);
            put(y, t, yt);
        }
        return y;
    }

    /** Tokens {@code [t0, t1)} of {@code x [B, T, D]}, copied. */
    static FloatTensor tokens(FloatTensor x, int t0, int t1) {
        int b = x.dim(0), t = x.dim(1), d = x.dim(2);
        FloatTensor out = FloatTensor.zeros(b, t1 - t0, d);
        for (int i = 0; i < b; i++) {
            System.arraycopy(x.data(), (i * t + t0) * d, out.data(), i * (t1 - t0) * d, (t1 - t0) * d);
        }
        return out;
    }

    /** Writes {@code part [B, n, D]} into tokens {@code [t0, t0 + n)} of {@code x}. */
    static void put(FloatTensor x, int t0, FloatTensor part) {
        int b = x.dim(0), t = x.dim(1), d = x.dim(2), n = part.dim(1);
        for (int i = 0; i < b; i++) System.arraycopy(part.data(), i * n * d, x.data(), (i * t + t0) * d, n * d);
    }

    /** Row {@code b} of a tensor {@code [B, ...]}, as {@code [1, ...]}. */
    static FloatTensor row(FloatTensor x, int b) {
        int[] shape = x.shape();
        int per = x.size() / shape[0];
        shape[0] = 1;
        return new FloatTensor(Arrays.copyOfRange(x.data(), b * per, (b + 1) * per), shape);
    }

    static FloatTensor normal(SplittableRandom rng, double std, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            d[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return t;
    }
}
