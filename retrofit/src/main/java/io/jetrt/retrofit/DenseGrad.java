package io.jetrt.retrofit;

import io.jetrt.spi.CpuOps;

/**
 * The backward of the decoder's dense parts with their weights frozen: only the gradient of each input is needed to
 * carry the KL objective's gradient back to the student blocks. Float32 tensors, float64 sums, GEMMs on
 * {@link CpuOps#linear} ({@code y = x·Wᵀ}); a weight used as {@code x·W} is passed transposed, made once by
 * {@link #transpose}. Row-major shapes: {@code [rows, D]}.
 */
final class DenseGrad {
    private DenseGrad() {}

    /** {@code y = x · rsqrt(mean(x²) + eps) · w}, per row of {@code D}. */
    static float[] rmsNorm(float[] x, float[] w, int rows, int d, double eps) {
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += (double) x[r * d + i] * x[r * d + i];
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) y[r * d + i] = (float) (x[r * d + i] * inv * w[i]);
        }
        return y;
    }

    /**
     * Adds the gradient of {@code x} for {@code dy} of {@link #rmsNorm} into {@code dx}:
     * {@code dx = r·(w⊙dy) − x·r³/D·Σ(w⊙dy⊙x)}, {@code r = rsqrt(mean(x²) + eps)}.
     */
    static void rmsNormBackward(float[] x, float[] w, float[] dy, int rows, int d, double eps, float[] dx) {
        for (int row = 0; row < rows; row++) {
            int o = row * d;
            double ss = 0, dot = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) x[o + i] * x[o + i];
                dot += (double) w[i] * dy[o + i] * x[o + i];
            }
            double r = 1 / Math.sqrt(ss / d + eps), c = r * r * r / d * dot;
            for (int i = 0; i < d; i++) dx[o + i] += (float) (r * w[i] * dy[o + i] - x[o + i] * c);
        }
    }

    /** What {@link #mlpBackward} needs from the forward: the gate and up projections {@code [rows, I]}. */
    record Mlp(float[] gate, float[] up, float[] out) {}

    /** {@code m = (silu(v·Wgᵀ) ⊙ v·Wuᵀ)·Wdᵀ}: {@code v [rows, D]}, {@code gate, up [I, D]}, {@code down [D, I]}. */
    static Mlp mlp(CpuOps ops, float[] v, float[] gate, float[] up, float[] down, int rows, int d, int inter) {
        float[] g = new float[rows * inter], a = new float[rows * inter], s = new float[rows * inter], m = new float[rows * d];
        ops.linear(v, 0, gate, 0, g, 0, rows, inter, d);
        ops.linear(v, 0, up, 0, a, 0, rows, inter, d);
        for (int i = 0; i < s.length; i++) s[i] = (float) (silu(g[i]) * a[i]);
        ops.linear(s, 0, down, 0, m, 0, rows, d, inter);
        return new Mlp(g, a, m);
    }

    /**
     * The gradient of {@code v} for {@code dm}: {@code ds = dm·Wd}, {@code dg = ds⊙a⊙silu'(g)}, {@code da = ds⊙silu(g)},
     * {@code dv = dg·Wg + da·Wu}; the transposed weights {@code downT [I, D]}, {@code gateT, upT [D, I]}.
     */
    static float[] mlpBackward(CpuOps ops, Mlp f, float[] dm, float[] downT, float[] gateT, float[] upT, int rows, int d, int inter) {
        float[] ds = new float[rows * inter], dg = new float[rows * inter], da = new float[rows * inter];
        ops.linear(dm, 0, downT, 0, ds, 0, rows, inter, d);
        for (int i = 0; i < ds.length; i++) {
            double g = f.gate()[i], sig = 1 / (1 + Math.exp(-g));
            dg[i] = (float) (ds[i] * f.up()[i] * sig * (1 + g * (1 - sig)));
            da[i] = (float) (ds[i] * g * sig);
        }
        float[] dv = new float[rows * d], part = new float[rows * d];
        ops.linear(dg, 0, gateT, 0, dv, 0, rows, d, inter);
        ops.linear(da, 0, upT, 0, part, 0, rows, d, inter);
        for (int i = 0; i < dv.length; i++) dv[i] += part[i];
        return dv;
    }

    /** {@code w [n, k]} as {@code [k, n]}. */
    static float[] transpose(float[] w, int n, int k) {
        float[] t = new float[w.length];
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) t[j * n + i] = w[i * k + j];
        return t;
    }

    static double silu(double x) { return x / (1 + Math.exp(-x)); }
}
