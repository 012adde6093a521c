package io.jetrt.blocks.common;

import io.jetrt.spi.CpuOps;

/** The HF Linear over a whole chunk of rows through the runtime's GEMM, for fast CPU paths. */
public final class Linear {
    private Linear() {}

    /** {@code y[m, n] = x[m, k] · w[n, k]ᵀ (+ bias[n])}; returns y, newly allocated. */
    public static float[] apply(CpuOps ops, float[] x, int m, int k, float[] w, float[] bias, int n) {
        float[] y = new float[m * n];
        ops.linear(x, 0, w, 0, y, 0, m, n, k);
        if (bias != null) addBias(y, m, bias);
        return y;
    }

    /** {@code y[r, j] += bias[j]} for {@code rows} rows of {@code bias.length} (row-major). */
    public static void addBias(float[] y, int rows, float[] bias) {
        int n = bias.length;
        for (int r = 0; r < rows; r++) {
            int off = r * n;
            for (int j = 0; j < n; j++) y[off + j] += bias[j];
        }
    }
}
