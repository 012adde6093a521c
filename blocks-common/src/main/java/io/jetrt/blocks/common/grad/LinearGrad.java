package io.jetrt.blocks.common.grad;

/** The HF Linear {@code y = x·Wᵀ} without bias, and its backward: {@code dx = dy·W}, {@code dW = dyᵀ·x}. */
public final class LinearGrad {
    private LinearGrad() {}

    /** {@code y [rows, out] = x [rows, in] · w [out, in]ᵀ}. */
    public static double[] forward(double[] x, double[] w, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = 0;
                for (int j = 0; j < in; j++) acc += x[r * in + j] * w[o * in + j];
                y[r * out + o] = acc;
            }
        }
        return y;
    }

    /**
     * Adds {@code dy [rows, out] · w [out, in]} into {@code dx [rows, in]} and returns {@code dW [out, in] = dyᵀ · x}.
     */
    public static double[] backward(double[] x, double[] w, double[] dy, int rows, int in, int out, double[] dx) {
        double[] dw = new double[out * in];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double g = dy[r * out + o];
                if (g == 0) continue;
                for (int j = 0; j < in; j++) {
                    dx[r * in + j] += g * w[o * in + j];
                    dw[o * in + j] += g * x[r * in + j];
                }
            }
        }
        return dw;
    }
}
