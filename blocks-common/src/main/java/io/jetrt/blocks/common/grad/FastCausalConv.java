package io.jetrt.blocks.common.grad;

import io.jetrt.spi.CpuOps;

/**
 * {@link CausalConvGrad} in float32 for the CPU training path, one job per channel: a channel's outputs, input
 * gradients and kernel/bias gradients are its own, and its kernel gradient sums over (b, t) in a fixed order, so
 * the result does not depend on scheduling. Sums of the W taps accumulate in float64.
 */
public final class FastCausalConv {
    private FastCausalConv() {}

    /** {@code y [B, T, C]} from {@code x [B, T, C]}; kernel {@code [C, W]}, bias {@code [C]} or null. */
    public static float[] forward(CpuOps ops, float[] x, float[] kernel, float[] bias, int batch, int tokens, int channels, int width) {
        float[] y = new float[x.length];
        ops.parallelFor(channels, c -> {
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < tokens; t++) {
                    double acc = bias == null ? 0 : bias[c];
                    for (int w = Math.max(0, width - 1 - t); w < width; w++) {
                        acc += kernel[c * width + w] * x[(b * tokens + t - (width - 1) + w) * channels + c];
                    }
                    y[(b * tokens + t) * channels + c] = (float) acc;
                }
            }
        });
        return y;
    }

    /** Returns {@code dx [B, T, C]} for {@code dy [B, T, C]}; writes {@code dKernel [C, W]} and, when not null, {@code dBias [C]}. */
    public static float[] backward(CpuOps ops, float[] x, float[] kernel, float[] dy, int batch, int tokens, int channels, int width,
                                   float[] dKernel, float[] dBias) {
        float[] dx = new float[x.length];
        ops.parallelFor(channels, c -> {
            double[] dk = new double[width];
            double db = 0;
            for (int b = 0; b < batch; b++) {
                for (int tau = 0; tau < tokens; tau++) {
                    // x[tau] feeds outputs t = tau + (W−1) − w for every tap w with t < T
                    int src = (b * tokens + tau) * channels + c;
                    double acc = 0;
                    for (int w = 0; w < width; w++) {
                        int t = tau + width - 1 - w;
                        if (t >= tokens) continue;
                        double g = dy[(b * tokens + t) * channels + c];
                        acc += g * kernel[c * width + w];
                        dk[w] += g * x[src];
                    }
                    dx[src] = (float) acc;
                    db += dy[src];
                }
            }
            for (int w = 0; w < width; w++) dKernel[c * width + w] = (float) dk[w];
            if (dBias != null) dBias[c] = (float) db;
        });
        return dx;
    }
}
