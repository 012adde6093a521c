package io.jetrt.blocks.common;

/** Scalar activations with upstream semantics. */
public final class Activations {
    private Activations() {}

    public static float sigmoid(float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }

    public static float silu(float x) { return x * sigmoid(x); }

    /** log(1 + eˣ), returning x itself when x > 20, as PyTorch and the Triton kernels do. */
    public static float softplus(float x) { return x > 20f ? x : (float) Math.log1p(Math.exp(x)); }

    public static void siluInPlace(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) a[i] = silu(a[i]);
    }
}
