package io.jetrt.blocks.common.grad;

/**
 * The activations of {@link io.jetrt.blocks.common.Activations} in float64 with their derivatives, same semantics:
 * softplus passes {@code x > 20} through, so its derivative there is 1.
 */
public final class ActivationGrad {
    private ActivationGrad() {}

    public static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    /** σ'(x) = σ(1 − σ). */
    public static double dSigmoid(double x) {
        double s = sigmoid(x);
        return s * (1 - s);
    }

    public static double silu(double x) { return x * sigmoid(x); }

    /** silu'(x) = σ(x)·(1 + x·(1 − σ(x))). */
    public static double dSilu(double x) {
        double s = sigmoid(x);
        return s * (1 + x * (1 - s));
    }

    public static double softplus(double x) { return x > 20 ? x : Math.log1p(Math.exp(x)); }

    /** σ(x), and 1 where softplus is the identity. */
    public static double dSoftplus(double x) { return x > 20 ? 1 : sigmoid(x); }

    /** {@code silu(x)} elementwise, a new array. */
    public static double[] silu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = silu(x[i]);
        return y;
    }

    /** {@code dx = dy · silu'(x)} elementwise, a new array: the gradient at silu's input. */
    public static double[] siluBackward(double[] x, double[] dy) {
        double[] dx = new double[x.length];
        for (int i = 0; i < x.length; i++) dx[i] = dy[i] * dSilu(x[i]);
        return dx;
    }
}
