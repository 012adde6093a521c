package io.jetrt.blocks.jetblock;

import io.jetrt.spi.CpuOps;

/**
 * {@link DynamicConvGrad} in float32 for the CPU training path, one job per sequence b: a sequence's outputs and
 * gradients are its own (nothing is shared across b; the kernels are per token), so the result does not depend on
 * scheduling. Sums of the W taps accumulate in float64.
 */
final class FastDynamicConv {
    private FastDynamicConv() {}

    /** {@code y [B, T, C]} from {@code v0 [B, T, C]} and the per-token kernels {@code kern [B, T, C·W]}. */
    static float[] forward(CpuOps ops, float[] v0, float[] kern, int batch, int tokens, int channels, int width) {
        float[] y = new float[v0.length];
        ops.parallelFor(batch, b -> {
            for (int t = 0; t < tokens; t++) {
                int row = b * tokens + t;
                for (int c = 0; c < channels; c++) {
                    double acc = 0;
                    for (int w = Math.max(0, width - 1 - t); w < width; w++) {
                        acc += kern[(row * channels + c) * width + w] * v0[(row - (width - 1) + w) * channels + c];
                    }
                    y[row * channels + c] = (float) acc;
                }
            }
        });
        return y;
    }

    /** Returns {@code dv0 [B, T, C]} for {@code dy [B, T, C]}; writes {@code dKern [B, T, C·W]} (0 for taps before token 0). */
    static float[] backward(CpuOps ops, float[] v0, float[] kern, float[] dy, int batch, int tokens, int channels, int width,
                            float[] dKern) {
        float[] dv0 = new float[v0.length];
        ops.parallelFor(batch, b -> {
            double[] acc = new double[channels];
            for (int tau = 0; tau < tokens; tau++) {
                int src = b * tokens + tau;
                java.util.Arrays.fill(acc, 0);
                // v0[tau] feeds outputs t = tau + (W−1) − w
                for (int w = 0; w < width; w++) {
                    int t = tau + width - 1 - w;
                    if (t >= tokens) continue;
                    int row = b * tokens + t;
                    for (int c = 0; c < channels; c++) {
                        int ki = (row * channels + c) * width + w;
                        float g = dy[row * channels + c];
                        dKern[ki] = g * v0[src * channels + c];
                        acc[c] += (double) g * kern[ki];
                    }
                }
                for (int c = 0; c < channels; c++) dv0[src * channels + c] = (float) acc[c];
            }
        });
        return dv0;
    }
}
