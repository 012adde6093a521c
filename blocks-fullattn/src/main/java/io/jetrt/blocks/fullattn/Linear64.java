package io.jetrt.blocks.fullattn;

/** The HF Linear in float64 over rows, {@code y [N, out] = x [N, in] · Wᵀ + b}, and its backward; for training. */
final class Linear64 {
    private Linear64() {}

    /** {@code y [N, out] = x [N, in] · w[out, in]ᵀ (+ b [out])}; {@code b} may be null. */
    static double[] forward(double[] x, double[] w, double[] b, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) acc += w[o * in + i] * x[r * in + i];
                y[r * out + o] = acc;
            }
        }
        return y;
    }

    /**
     * Adds the gradients of {@code Σ dy · y} into {@code dx [N, in] += dy · w}, {@code dw [out, in] += dyᵀ · x} and
     * {@code db [out] += Σ_rows dy}; {@code db} may be null (no bias).
     */
    static void backward(double[] x, double[] w, double[] dy, int rows, int in, int out, double[] dx, double[] dw, double[] db) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double g = dy[r * out + o];
                if (g == 0) continue;
                if (db != null) db[o] += g;
                for (int i = 0; i < in; i++) {
                    dx[r * in + i] += g * w[o * in + i];
                    dw[o * in + i] += g * x[r * in + i];
                }
            }
        }
    }
}
