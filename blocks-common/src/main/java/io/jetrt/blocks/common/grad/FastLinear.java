package io.jetrt.blocks.common.grad;

import io.jetrt.spi.CpuOps;

/**
 * {@link LinearGrad} in float32 on the runtime's GEMM ({@link CpuOps#linear}, BLAS behind it), for the CPU training
 * path. {@code linear} computes only {@code x·wᵀ}, so the backward's two products transpose first:
 * {@code dx = dy·W = dy·(Wᵀ)ᵀ} and {@code dW = dyᵀ·x = (dyᵀ)·(xᵀ)ᵀ}. Every output element is one dot product
 * computed by one thread, so the results do not depend on scheduling.
 */
public final class FastLinear {
    private FastLinear() {}

    /** {@code y [rows, out] = x [rows, in] · w [out, in]ᵀ}. */
    public static float[] forward(CpuOps ops, float[] x, float[] w, int rows, int in, int out) {
        float[] y = new float[rows * out];
        if (rows > 0) ops.linear(x, 0, w, 0, y, 0, rows, out, in);
        return y;
    }

    /** {@code aᵀ [cols, rows]} of {@code a [rows, cols]}, in 32×32 tiles so neither side strides through all of memory. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int r1 = Math.min(rows, r0 + TILE), c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) t[c * rows + r] = a[r * cols + c];
                }
            }
        }
        return t;
    }

    private static final int TILE = 32;

    /** Adds {@code dy [rows, out] · w [out, in]} into {@code dx [rows, in]}; {@code wT [in, out]} is w transposed. */
    public static void addInputGrad(CpuOps ops, float[] dy, float[] wT, int rows, int in, int out, float[] dx) {
        float[] part = forward(ops, dy, wT, rows, out, in);
        for (int i = 0; i < part.length; i++) dx[i] += part[i];
    }

    /** {@code dW [out, in] = dy [rows, out]ᵀ · x [rows, in]}; {@code xT [in, rows]} is x transposed. */
    public static float[] weightGrad(CpuOps ops, float[] dy, float[] xT, int rows, int in, int out) {
        return forward(ops, transpose(dy, rows, out), xT, out, rows, in);
    }

    /** Both gradients: adds x's into {@code dx}, returns {@code dW}; {@code xT} and {@code wT} are x and w transposed. */
    public static float[] backward(CpuOps ops, float[] xT, float[] wT, float[] dy, int rows, int in, int out, float[] dx) {
        addInputGrad(ops, dy, wT, rows, in, out, dx);
        return weightGrad(ops, dy, xT, rows, in, out);
    }
}
