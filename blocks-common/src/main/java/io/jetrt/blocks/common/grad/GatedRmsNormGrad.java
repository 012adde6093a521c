package io.jetrt.blocks.common.grad;

/**
 * The norm-then-gate output norm of {@link io.jetrt.blocks.common.GatedRmsNorm}, one head of one token over
 * {@code Dv}: {@code y_j = o_j·r·w_j·silu(z_j)}, {@code r = (mean(o²) + eps)^-1/2}. With {@code c_j = dy_j·w_j·silu(z_j)}:
 * {@code do_j = r·c_j − r³·o_j·(Σ_i c_i·o_i)/Dv}, {@code dz_j = dy_j·o_j·r·w_j·silu'(z_j)},
 * {@code dw_j += dy_j·o_j·r·silu(z_j)} (w is shared by all heads, so it sums over heads and tokens).
 */
public final class GatedRmsNormGrad {
    private GatedRmsNormGrad() {}

    private static double rsqrt(double[] o, int off, int dv, double eps) {
        double ss = 0;
        for (int j = 0; j < dv; j++) ss += o[off + j] * o[off + j];
        return 1 / Math.sqrt(ss / dv + eps);
    }

    /** {@code y [Dv]} at off from {@code o [Dv]} and the raw gate {@code z [Dv]} at off; {@code w [Dv]}. */
    public static void forward(double[] o, double[] z, int off, double[] w, int dv, double eps, double[] y) {
        double r = rsqrt(o, off, dv, eps);
        for (int j = 0; j < dv; j++) y[off + j] = o[off + j] * r * w[j] * ActivationGrad.silu(z[off + j]);
    }

    /** Writes {@code dO} and {@code dZ} at off (each {@code [Dv]}) from {@code dy}; adds into {@code dW [Dv]}. */
    public static void backward(double[] o, double[] z, int off, double[] w, int dv, double eps, double[] dy,
                                double[] dO, double[] dZ, double[] dW) {
        double r = rsqrt(o, off, dv, eps), co = 0;
        for (int j = 0; j < dv; j++) co += dy[off + j] * w[j] * ActivationGrad.silu(z[off + j]) * o[off + j];
        for (int j = 0; j < dv; j++) {
            int i = off + j;
            double sz = ActivationGrad.silu(z[i]);
            dO[i] = r * dy[i] * w[j] * sz - r * r * r * o[i] * co / dv;
            dZ[i] = dy[i] * o[i] * r * w[j] * ActivationGrad.dSilu(z[i]);
            dW[j] += dy[i] * o[i] * r * sz;
        }
    }
}
