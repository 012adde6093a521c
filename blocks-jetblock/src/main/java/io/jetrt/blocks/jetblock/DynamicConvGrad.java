package io.jetrt.blocks.jetblock;

/**
 * JetBlock's dynamic causal conv (BLOCKS.md §3.2) over whole sequences from an empty (zero) cache, in float64, and
 * its backward: {@code y[b, t, c] = Σ_w K[b, t, c·W + w]·v0[b, t − (W−1) + w, c]}, tokens before 0 are zero,
 * {@code w = W−1} multiplies the current token. Unlike a static conv every token has its own kernel
 * {@code K [B, T, C·W]} ('(c w)' layout), so the kernel's gradient is per token and nothing is summed over t.
 */
final class DynamicConvGrad {
    private DynamicConvGrad() {}

    /** {@code y [B, T, C]} from {@code v0 [B, T, C]} and the per-token kernels {@code kern [B, T, C·W]}. */
    static double[] forward(double[] v0, double[] kern, int batch, int tokens, int channels, int width) {
        double[] y = new double[v0.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                int row = b * tokens + t;
                for (int c = 0; c < channels; c++) {
                    double acc = 0;
                    for (int w = 0; w < width; w++) {
                        int tau = t - (width - 1) + w;
                        if (tau >= 0) acc += kern[(row * channels + c) * width + w] * v0[(b * tokens + tau) * channels + c];
                    }
                    y[row * channels + c] = acc;
                }
            }
        }
        return y;
    }

    /**
     * The backward of {@link #forward} for {@code dy [B, T, C]}: returns {@code dv0 [B, T, C]} (each v0 row feeds W
     * outputs, so it sums them) and writes {@code dKern [B, T, C·W]} (taps reaching before token 0 get 0).
     */
    static double[] backward(double[] v0, double[] kern, double[] dy, int batch, int tokens, int channels, int width,
                             double[] dKern) {
        double[] dv0 = new double[v0.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                int row = b * tokens + t;
                for (int c = 0; c < channels; c++) {
                    double g = dy[row * channels + c];
                    for (int w = 0; w < width; w++) {
                        int tau = t - (width - 1) + w, ki = (row * channels + c) * width + w;
                        if (tau < 0) {
                            dKern[ki] = 0;
                            continue;
                        }
                        int src = (b * tokens + tau) * channels + c;
                        dKern[ki] = g * v0[src];
                        dv0[src] += g * kern[ki];
                    }
                }
            }
        }
        return dv0;
    }
}
