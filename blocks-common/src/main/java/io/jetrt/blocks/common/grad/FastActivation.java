package io.jetrt.blocks.common.grad;

/** {@link ActivationGrad}'s silu over float32 arrays (each value through the float64 formula, rounded once). */
public final class FastActivation {
    private FastActivation() {}

    /** {@code silu(x)} elementwise, a new array. */
    public static float[] silu(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) ActivationGrad.silu(x[i]);
        return y;
    }

    /** {@code dx = dy · silu'(x)} elementwise, a new array. */
    public static float[] siluBackward(float[] x, float[] dy) {
        float[] dx = new float[x.length];
        for (int i = 0; i < x.length; i++) dx[i] = (float) (dy[i] * ActivationGrad.dSilu(x[i]));
        return dx;
    }
}
