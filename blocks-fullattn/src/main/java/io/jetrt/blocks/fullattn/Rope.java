package io.jetrt.blocks.fullattn;

/**
 * Rotary position embedding, HF default layout: channel i pairs with i + Dh/2,
 * angle = pos · θ^(−2i/Dh), {@code x' = x·cos + rotate_half(x)·sin}, rotate_half([x1, x2]) = [−x2, x1].
 */
final class Rope {
    private final int headDim;
    private final double[] invFreq;

    Rope(int headDim, double theta) {
        this.headDim = headDim;
        int half = headDim / 2;
        invFreq = new double[half];
        for (int i = 0; i < half; i++) invFreq[i] = Math.pow(theta, -2.0 * i / headDim);
    }

    /** The inverse frequencies {@code θ^(−2i/Dh)}, i < Dh/2 (a copy; the CUDA kernel uses the same values). */
    double[] invFreq() { return invFreq.clone(); }

    /** Rotates {@code heads} consecutive head vectors of {@code a} starting at {@code off}, at position {@code pos}. */
    void apply(float[] a, int off, int heads, long pos) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = pos * invFreq[i];
            float cos = (float) Math.cos(angle), sin = (float) Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int base = off + h * headDim;
                float x1 = a[base + i], x2 = a[base + i + half];
                a[base + i] = x1 * cos - x2 * sin;
                a[base + i + half] = x2 * cos + x1 * sin;
            }
        }
    }

    /**
     * As {@link #apply(float[], int, int, long)} in float64 (cos and sin too), for training; {@code inverse} rotates
     * by the negative angle, which is also the backward of the rotation (its transpose).
     */
    void apply(double[] a, int off, int heads, long pos, boolean inverse) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double angle = pos * invFreq[i];
            double cos = Math.cos(angle), sin = inverse ? -Math.sin(angle) : Math.sin(angle);
            for (int h = 0; h < heads; h++) {
                int base = off + h * headDim;
                double x1 = a[base + i], x2 = a[base + i + half];
                a[base + i] = x1 * cos - x2 * sin;
                a[base + i + half] = x2 * cos + x1 * sin;
            }
        }
    }
}
