package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.grad.ActivationGrad;
import io.jetrt.spi.CpuOps;

/**
 * The output gate and norm ({@link GatedRmsNorm}: {@code v = y ⊙ silu(z)}, {@code n = v·r ⊙ w}, {@code r} per group of
 * {@code d_inner/G} channels) and its backward (the math of {@link Mamba2Training}'s norm backward), in float32 storage with
 * float64 arithmetic per row, for the CPU training path. A norm group spans several heads, so this runs per row
 * {@code (b, t)} after the scan. Rows are split into fixed blocks of {@link #ROWS} jobs; norm.weight's gradient sums
 * the blocks' partials in block order, so the result does not depend on scheduling.
 */
final class Mamba2FastGate {
    private static final int ROWS = 32;
    private final Mamba2Config c;
    private final float[] normW;
    private final CpuOps ops;

    /** {@code dy [B·T, d_inner]} (y_ssm's gradient), {@code dz [B·T, d_inner]}, norm.weight's {@code [d_inner]} or null. */
    record Grads(float[] dy, float[] dz, float[] normW) {}

    /** @param normW norm.weight {@code [d_inner]}, or null when rmsnorm is off (gate only) */
    Mamba2FastGate(Mamba2Config c, float[] normW, CpuOps ops) {
        this.c = c;
        this.normW = normW;
        this.ops = ops;
    }

    /** {@code n [B·T, d_inner]} for the scan's {@code y} and the gate {@code z}, both {@code [B·T, d_inner]}. */
    float[] forward(float[] y, float[] z) {
        int di = c.dInner(), rows = y.length / di;
        float[] out = new float[y.length];
        ops.parallelFor(blocks(rows), blk -> {
            double[] vr = new double[di];
            for (int row = blk * ROWS; row < Math.min(rows, (blk + 1) * ROWS); row++) {
                int off = row * di;
                gate(y, z, off, vr);
                if (normW == null) {
                    for (int i = 0; i < di; i++) out[off + i] = (float) vr[i];
                    continue;
                }
                for (int g0 = 0; g0 < di; g0 += c.normGroupSize()) {
                    double r = rinv(vr, g0);
                    for (int i = g0; i < g0 + c.normGroupSize(); i++) out[off + i] = (float) (vr[i] * r * normW[i]);
                }
            }
        });
        return out;
    }

    /** The gradients for {@code dn [B·T, d_inner]}, the loss's gradient at {@link #forward}'s output. */
    Grads backward(float[] y, float[] z, float[] dn) {
        int di = c.dInner(), rows = y.length / di, size = c.normGroupSize(), jobs = blocks(rows);
        float[] dy = new float[y.length], dz = new float[z.length];
        double[][] partials = new double[jobs][];
        ops.parallelFor(jobs, blk -> {
            double[] vr = new double[di], dv = new double[di], dw = new double[normW == null ? 0 : di];
            for (int row = blk * ROWS; row < Math.min(rows, (blk + 1) * ROWS); row++) {
                int off = row * di;
                gate(y, z, off, vr);
                if (normW == null) {
                    for (int i = 0; i < di; i++) dv[i] = dn[off + i];
                } else {
                    for (int g0 = 0; g0 < di; g0 += size) {
                        double r = rinv(vr, g0), dot = 0;
                        for (int i = g0; i < g0 + size; i++) {
                            dw[i] += dn[off + i] * vr[i] * r;
                            dot += dn[off + i] * normW[i] * vr[i];
                        }
                        for (int i = g0; i < g0 + size; i++) dv[i] = r * dn[off + i] * normW[i] - r * r * r * vr[i] * dot / size;
                    }
                }
                for (int i = 0; i < di; i++) {
                    double zi = z[off + i];
                    dy[off + i] = (float) (dv[i] * ActivationGrad.silu(zi));
                    dz[off + i] = (float) (dv[i] * y[off + i] * ActivationGrad.dSilu(zi));
                }
            }
            partials[blk] = dw;
        });
        if (normW == null) return new Grads(dy, dz, null);
        double[] dw = new double[di];
        for (double[] part : partials) for (int i = 0; i < di; i++) dw[i] += part[i];
        float[] dNormW = new float[di];
        for (int i = 0; i < di; i++) dNormW[i] = (float) dw[i];
        return new Grads(dy, dz, dNormW);
    }

    private static int blocks(int rows) { return (rows + ROWS - 1) / ROWS; }

    /** {@code v = y ⊙ silu(z)} of the row at off, into {@code v [d_inner]}. */
    private void gate(float[] y, float[] z, int off, double[] v) {
        for (int i = 0; i < v.length; i++) v[i] = y[off + i] * ActivationGrad.silu(z[off + i]);
    }

    /** {@code (mean(v²) + eps)^−½} over the group starting at channel g0. */
    private double rinv(double[] v, int g0) {
        double ss = 0;
        for (int i = g0; i < g0 + c.normGroupSize(); i++) ss += v[i] * v[i];
        return 1 / Math.sqrt(ss / c.normGroupSize() + c.normEps());
    }
}
