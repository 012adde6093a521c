package org.example.jetrt.retention;

import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.Weights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The retention block's forward and backward in float64, token by token (the math of {@link RetentionReference}):
 * what {@link RetentionProvider} offers as its training capability. The forward keeps every state {@code S_t} so
 * that the backward can walk the sequence in reverse:
 * <pre>
 *   du = W_oᵀ dy_t                                  dW_o += dy_t uᵀ
 *   per head: dn = du ⊙ swish(g),  dg = du ⊙ n ⊙ swish'(g)
 *             do = r·dn − r³·o·(dn · o)/Dv          (n = o·r, r = (mean(o²) + eps)^−½)
 *             dq = scale · S_t do,  dS = γ·dS + scale · q doᵀ,  dk = dS v,  dv = dSᵀ k
 *   dx = W_qᵀ dq + W_kᵀ dk + W_vᵀ dv + W_gᵀ dg      dW_* += d* xᵀ
 * </pre>
 */
final class RetentionTraining {
    private final RetentionConfig c;
    private final double[] wq, wk, wv, wg, wo;

    RetentionTraining(RetentionConfig c, Weights w) {
        this.c = c;
        this.wq = doubles(w.get(RetentionProvider.Q));
        this.wk = doubles(w.get(RetentionProvider.K));
        this.wv = doubles(w.get(RetentionProvider.V));
        this.wg = doubles(w.get(RetentionProvider.G));
        this.wo = doubles(w.get(RetentionProvider.O));
    }

    /** One sequence's forward: projections {@code [T, H·Dk or H·Dv]}, states {@code [T, H, Dk, Dv]}, norm outputs and output. */
    private record Trace(double[][] q, double[][] k, double[][] v, double[][] g, double[][][] s, double[][] o, double[][] rinv,
                         double[][] u, double[][] y) {}

    /** {@code y [B, T, D]} from an empty state. */
    FloatTensor forward(FloatTensor x) {
        int batch = x.dim(0), steps = x.dim(1), d = c.hidden();
        float[] y = new float[x.size()];
        for (int b = 0; b < batch; b++) {
            Trace tr = trace(x, b, steps);
            for (int t = 0; t < steps; t++) for (int i = 0; i < d; i++) y[(b * steps + t) * d + i] = (float) tr.y()[t][i];
        }
        return new FloatTensor(y, x.shape());
    }

    /** Gradients of {@code L = Σ dy · y}. */
    Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), steps = x.dim(1), d = c.hidden(), heads = c.heads(), dk = c.dk(), dv = c.dv();
        double[] gq = new double[wq.length], gk = new double[wk.length], gv = new double[wv.length], gg = new double[wg.length],
                go = new double[wo.length];
        float[] dx = new float[x.size()];
        double scale = c.scale();
        for (int b = 0; b < batch; b++) {
            Trace tr = trace(x, b, steps);
            double[][] dS = new double[heads][dk * dv];
            for (int t = steps - 1; t >= 0; t--) {
                int at = (b * steps + t) * d;
                double[] dyt = new double[d];
                for (int i = 0; i < d; i++) dyt[i] = dy.data()[at + i];
                outer(go, dyt, tr.u()[t]);
                double[] du = transposedMatvec(wo, dyt, d, c.valueDim());
                double[] dq = new double[c.keyDim()], dk_ = new double[c.keyDim()], dv_ = new double[c.valueDim()], dg = new double[c.valueDim()];
                for (int h = 0; h < heads; h++) {
                    double r = tr.rinv()[t][h], dot = 0;
                    double[] dn = new double[dv];
                    for (int j = 0; j < dv; j++) {
                        double z = tr.g()[t][h * dv + j], sig = 1 / (1 + Math.exp(-z)), n = tr.o()[t][h * dv + j] * r;
                        dn[j] = du[h * dv + j] * z * sig;
                        dg[h * dv + j] = du[h * dv + j] * n * sig * (1 + z * (1 - sig));
                        dot += dn[j] * tr.o()[t][h * dv + j];
                    }
                    double[] dO = new double[dv];
                    for (int j = 0; j < dv; j++) dO[j] = r * dn[j] - r * r * r * tr.o()[t][h * dv + j] * dot / dv;
                    double[] s = tr.s()[t][h], ds = dS[h];
                    double gamma = c.gamma(h);
                    for (int i = 0; i < dk; i++) {
                        double acc = 0;
                        for (int j = 0; j < dv; j++) {
                            acc += s[i * dv + j] * dO[j];
                            // this step's readout, on top of what later steps carried back through γ
                            ds[i * dv + j] += scale * tr.q()[t][h * dk + i] * dO[j];
                        }
                        dq[h * dk + i] = scale * acc;
                    }
                    for (int i = 0; i < dk; i++) {
                        double acc = 0;
                        for (int j = 0; j < dv; j++) acc += ds[i * dv + j] * tr.v()[t][h * dv + j];
                        dk_[h * dk + i] = acc;
                    }
                    for (int j = 0; j < dv; j++) {
                        double acc = 0;
                        for (int i = 0; i < dk; i++) acc += ds[i * dv + j] * tr.k()[t][h * dk + i];
                        dv_[h * dv + j] = acc;
                    }
                    for (int e = 0; e < ds.length; e++) ds[e] *= gamma; // what S_{t-1} receives
                }
                double[] xt = new double[d];
                for (int i = 0; i < d; i++) xt[i] = x.data()[at + i];
                outer(gq, dq, xt);
                outer(gk, dk_, xt);
                outer(gv, dv_, xt);
                outer(gg, dg, xt);
                double[] a = transposedMatvec(wq, dq, c.keyDim(), d), bk = transposedMatvec(wk, dk_, c.keyDim(), d),
                        bv = transposedMatvec(wv, dv_, c.valueDim(), d), bg = transposedMatvec(wg, dg, c.valueDim(), d);
                for (int i = 0; i < d; i++) dx[at + i] = (float) (a[i] + bk[i] + bv[i] + bg[i]);
            }
        }
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        w.put(RetentionProvider.Q, floats(gq, c.keyDim(), d));
        w.put(RetentionProvider.K, floats(gk, c.keyDim(), d));
        w.put(RetentionProvider.V, floats(gv, c.valueDim(), d));
        w.put(RetentionProvider.G, floats(gg, c.valueDim(), d));
        w.put(RetentionProvider.O, floats(go, d, c.valueDim()));
        return Gradients.of(new FloatTensor(dx, x.shape()), w);
    }

    private Trace trace(FloatTensor x, int b, int steps) {
        int d = c.hidden(), heads = c.heads(), dk = c.dk(), dv = c.dv();
        double[][] q = new double[steps][], k = new double[steps][], v = new double[steps][], g = new double[steps][];
        double[][][] s = new double[steps][heads][];
        double[][] o = new double[steps][c.valueDim()], rinv = new double[steps][heads], u = new double[steps][c.valueDim()], y = new double[steps][];
        double[][] state = new double[heads][dk * dv];
        double scale = c.scale();
        for (int t = 0; t < steps; t++) {
            double[] xt = new double[d];
            for (int i = 0; i < d; i++) xt[i] = x.data()[(b * steps + t) * d + i];
            q[t] = matvec(wq, xt, c.keyDim(), d);
            k[t] = matvec(wk, xt, c.keyDim(), d);
            v[t] = matvec(wv, xt, c.valueDim(), d);
            g[t] = matvec(wg, xt, c.valueDim(), d);
            for (int h = 0; h < heads; h++) {
                double gamma = c.gamma(h);
                double[] st = state[h];
                for (int i = 0; i < dk; i++) for (int j = 0; j < dv; j++) st[i * dv + j] = gamma * st[i * dv + j] + k[t][h * dk + i] * v[t][h * dv + j];
                s[t][h] = st.clone();
                double ms = 0;
                for (int j = 0; j < dv; j++) {
                    double acc = 0;
                    for (int i = 0; i < dk; i++) acc += st[i * dv + j] * q[t][h * dk + i];
                    o[t][h * dv + j] = acc * scale;
                    ms += o[t][h * dv + j] * o[t][h * dv + j];
                }
                rinv[t][h] = 1 / Math.sqrt(ms / dv + RetentionConfig.NORM_EPS);
                for (int j = 0; j < dv; j++) {
                    double z = g[t][h * dv + j];
                    u[t][h * dv + j] = o[t][h * dv + j] * rinv[t][h] * z / (1 + Math.exp(-z));
                }
            }
            y[t] = matvec(wo, u[t], d, c.valueDim());
        }
        return new Trace(q, k, v, g, s, o, rinv, u, y);
    }

    /** {@code w [n, k] · in [k]}. */
    private static double[] matvec(double[] w, double[] in, int n, int k) {
        double[] out = new double[n];
        for (int r = 0; r < n; r++) {
            double acc = 0;
            for (int j = 0; j < k; j++) acc += w[r * k + j] * in[j];
            out[r] = acc;
        }
        return out;
    }

    /** {@code w [n, k]ᵀ · in [n]}. */
    private static double[] transposedMatvec(double[] w, double[] in, int n, int k) {
        double[] out = new double[k];
        for (int r = 0; r < n; r++) for (int j = 0; j < k; j++) out[j] += w[r * k + j] * in[r];
        return out;
    }

    /** {@code acc [n, k] += a [n] bᵀ [k]}. */
    private static void outer(double[] acc, double[] a, double[] b) {
        for (int r = 0; r < a.length; r++) for (int j = 0; j < b.length; j++) acc[r * b.length + j] += a[r] * b[j];
    }

    private static double[] doubles(FloatTensor t) {
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = t.data()[i];
        return out;
    }

    private static FloatTensor floats(double[] v, int... shape) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return new FloatTensor(f, shape);
    }
}
