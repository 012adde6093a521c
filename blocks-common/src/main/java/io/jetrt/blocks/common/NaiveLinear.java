package io.jetrt.blocks.common;

/** The HF Linear as plain loops, for reference paths: no BLAS, no threads. */
public final class NaiveLinear {
    private NaiveLinear() {}

    /** {@code y[n] = w[n, k] · x[k] (+ bias[n])}; {@code x} and {@code y} are regions at the given offsets. */
    public static void apply(float[] w, float[] bias, float[] x, int xOff, float[] y, int yOff, int n, int k) {
        for (int o = 0; o < n; o++) {
            float acc = 0f;
            int row = o * k;
            for (int j = 0; j < k; j++) acc += w[row + j] * x[xOff + j];
            y[yOff + o] = bias == null ? acc : acc + bias[o];
        }
    }
}
