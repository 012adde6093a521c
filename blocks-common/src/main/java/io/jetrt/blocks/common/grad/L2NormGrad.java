package io.jetrt.blocks.common.grad;

/**
 * The q/k L2 normalisation of {@link io.jetrt.blocks.common.GatedDeltaRule#l2Normalize}: {@code y = scale·x / n}, {@code n = sqrt(Σx² + 1e-6)}
 * (eps inside the sqrt), over one head's {@code n} values. Backward: {@code dx = scale/n · (dy − x·(x·dy)/n²)}.
 */
public final class L2NormGrad {
    /** fla's 1e-6 on the sum of squares, in float64 as the fixtures' reference has it (the float32 path rounds it). */
    public static final double EPS = 1e-6;

    private L2NormGrad() {}

    private static double norm(double[] x, int off, int n) {
        double ss = 0;
        for (int i = off; i < off + n; i++) ss += x[i] * x[i];
        return Math.sqrt(ss + EPS);
    }

    /** {@code y[yOff, yOff + n) = scale · x[xOff, xOff + n) / norm}. */
    public static void forward(double[] x, int xOff, int n, double scale, double[] y, int yOff) {
        double f = scale / norm(x, xOff, n);
        for (int i = 0; i < n; i++) y[yOff + i] = x[xOff + i] * f;
    }

    /** Writes {@code dx[dxOff, dxOff + n)} from {@code dy[dyOff, dyOff + n)}. */
    public static void backward(double[] x, int xOff, int n, double scale, double[] dy, int dyOff, double[] dx, int dxOff) {
        double nrm = norm(x, xOff, n), xdy = 0;
        for (int i = 0; i < n; i++) xdy += x[xOff + i] * dy[dyOff + i];
        double proj = xdy / (nrm * nrm);
        for (int i = 0; i < n; i++) dx[dxOff + i] = scale / nrm * (dy[dyOff + i] - x[xOff + i] * proj);
    }
}
