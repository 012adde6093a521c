package io.jetrt.conformance;

import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

import java.util.Arrays;

/** Slicing, comparing and locating values in {@code [B, T, D]} and state tensors, for the checks. */
final class Tensors {
    private Tensors() {}

    /** {@code x[:, a:b, :]} of {@code x [B, T, D]}. */
    static FloatTensor slice(FloatTensor x, int a, int b) {
        int batch = x.dim(0), len = x.dim(1), d = x.dim(2), n = b - a;
        FloatTensor out = FloatTensor.zeros(batch, n, d);
        for (int r = 0; r < batch; r++) System.arraycopy(x.data(), (r * len + a) * d, out.data(), r * n * d, n * d);
        return out;
    }

    /** Writes {@code part [B, n, D]} into {@code into [B, T, D]} at time {@code at}. */
    static void put(FloatTensor into, FloatTensor part, int at) {
        int batch = into.dim(0), len = into.dim(1), n = part.dim(1), d = into.dim(2);
        for (int r = 0; r < batch; r++) System.arraycopy(part.data(), r * n * d, into.data(), (r * len + at) * d, n * d);
    }

    /** Row {@code r} of any {@code [B, ...]} tensor, as {@code [1, ...]}. */
    static FloatTensor row(FloatTensor t, int r) {
        int[] shape = t.shape();
        int per = t.size() / shape[0];
        shape[0] = 1;
        return new FloatTensor(Arrays.copyOfRange(t.data(), r * per, (r + 1) * per), shape);
    }

    /** Copies every slot of {@code from} into {@code to}, which has the same batch and layout. */
    static void copyState(BlockState from, BlockState to) {
        for (String slot : from.tensors().keySet()) {
            float[] src = from.get(slot).data();
            System.arraycopy(src, 0, to.get(slot).data(), 0, src.length);
        }
    }

    /** Index of the first NaN or infinity, or −1. */
    static int firstNonFinite(FloatTensor t) {
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) if (!Float.isFinite(d[i])) return i;
        return -1;
    }

    static int countNonFinite(FloatTensor t) {
        int n = 0;
        for (float v : t.data()) if (!Float.isFinite(v)) n++;
        return n;
    }

    /** Index of the first element whose bits differ, or −1. */
    static int firstChange(FloatTensor before, FloatTensor after) {
        float[] a = before.data(), b = after.data();
        for (int i = 0; i < a.length; i++) if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return i;
        return -1;
    }

    static boolean allZero(FloatTensor t) {
        for (float v : t.data()) if (v != 0f) return false;
        return true;
    }

    /** The multi-index of flat index {@code i} in {@code shape}, e.g. {@code [1, 40, 3]}. */
    static String index(int[] shape, int i) {
        int[] idx = new int[shape.length];
        for (int a = shape.length - 1; a >= 0; a--) {
            if (shape[a] == 0) return "[]";
            idx[a] = i % shape[a];
            i /= shape[a];
        }
        return Arrays.toString(idx);
    }

    static String shape(FloatTensor t) { return Arrays.toString(t.shape()); }
}
