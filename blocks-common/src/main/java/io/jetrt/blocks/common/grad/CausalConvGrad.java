package io.jetrt.blocks.common.grad;

/**
 * The depthwise causal convolution of {@link io.jetrt.blocks.common.ShortConvState} over whole sequences from an
 * empty (zero) cache: {@code y[b, t, c] = Σ_w kernel[c, w]·x[b, t − (W−1) + w, c] (+ bias[c])}, tokens before 0 are
 * zero, {@code w = W−1} multiplies the current token. Kernel {@code [C, W]} (a conv1d weight {@code [C, 1, W]}).
 */
public final class CausalConvGrad {
    private CausalConvGrad() {}

    /** {@code y [B, T, C]} from {@code x [B, T, C]}; bias {@code [C]} or null. */
    public static double[] forward(double[] x, double[] kernel, double[] bias, int batch, int tokens, int channels, int width) {
        double[] y = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                for (int c = 0; c < channels; c++) {
                    double acc = bias == null ? 0 : bias[c];
                    for (int w = 0; w < width; w++) {
                        int tau = t - (width - 1) + w;
                        if (tau >= 0) acc += kernel[c * width + w] * x[(b * tokens + tau) * channels + c];
                    }
                    y[(b * tokens + t) * channels + c] = acc;
                }
            }
        }
        return y;
    }

    /**
     * The backward of {@link #forward} for {@code dy [B, T, C]}: returns {@code dx [B, T, C]}; adds into
     * {@code dKernel [C, W]} and, when not null, {@code dBias [C]}.
     */
    public static double[] backward(double[] x, double[] kernel, double[] dy, int batch, int tokens, int channels, int width,
                                    double[] dKernel, double[] dBias) {
        double[] dx = new double[x.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < tokens; t++) {
                for (int c = 0; c < channels; c++) {
                    double g = dy[(b * tokens + t) * channels + c];
                    if (dBias != null) dBias[c] += g;
                    for (int w = 0; w < width; w++) {
                        int tau = t - (width - 1) + w;
                        if (tau < 0) continue;
                        int src = (b * tokens + tau) * channels + c;
                        dKernel[c * width + w] += g * x[src];
                        dx[src] += g * kernel[c * width + w];
                    }
                }
            }
        }
        return dx;
    }
}
