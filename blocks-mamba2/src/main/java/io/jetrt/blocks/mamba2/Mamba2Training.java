package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.Weights;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Mamba2 mixer's forward and backward in float64, token by token (the math of {@link Mamba2Reference}):
 * what {@link Mamba2Provider} offers as its training capability. The forward keeps every intermediate and every
 * state {@code S_t [H, P, N]}, so that the backward walks the sequence in reverse. Per token, with
 * {@code v = y_ssm ⊙ silu(z)}, {@code r = (mean_group(v²) + eps)^−½}, {@code n = v·r ⊙ w_norm}:
 * <pre>
 *   dn = W_outᵀ dy                                       dW_out += dy nᵀ
 *   dw_norm += dn ⊙ v·r;  dv = r·dv̂ − r³·v·(dv̂ · v)/|group|, dv̂ = dn ⊙ w_norm
 *   dy_ssm = dv ⊙ silu(z);  dz = dv ⊙ y_ssm ⊙ silu'(z)
 *   per head: dD += dy_ssm ⊙ x;  dx = D·dy_ssm;  dS += dy_ssm Cᵀ;  dC = Sᵀ dy_ssm
 *             ddecay = Σ dS ⊙ S_{t−1};  ddt = Σ dS ⊙ x Bᵀ;  dx += dt·dS B;  dB += dt·dSᵀ x;  dS ← decay·dS
 *             (decay = exp(dt·A)) ddt += ddecay·decay·A;  dA += ddecay·decay·dt;  dA_log = dA·A
 *             d(dt_raw + dt_bias) = ddt·sigmoid(·), or ddt past the softplus threshold 20
 *   d pre-conv = d xBC ⊙ silu'(pre);  then the conv's transpose over the W taps, and in_proj's
 * </pre>
 */
final class Mamba2Training implements BlockGrad {
    private static final double SOFTPLUS_THRESHOLD = 20;
    private final Mamba2Config c;
    private final double[] inW, inB, convW, convB, dtBias, aLog, a, d, normW, outW, outB;

    Mamba2Training(Mamba2Config c, Weights w) {
        this.c = c;
        inW = doubles(w.get("in_proj.weight"));
        inB = c.bias() ? doubles(w.get("in_proj.bias")) : null;
        convW = doubles(w.get("conv1d.weight"));
        convB = c.convBias() ? doubles(w.get("conv1d.bias")) : null;
        dtBias = doubles(w.get("dt_bias"));
        aLog = doubles(w.get("A_log"));
        a = new double[c.heads()];
        for (int h = 0; h < a.length; h++) a[h] = -Math.exp(aLog[h]);
        double[] dw = doubles(w.get("D"));
        d = new double[c.dInner()];
        for (int i = 0; i < d.length; i++) d[i] = c.dHasHdim() ? dw[i] : dw[i / c.headDim()];
        normW = c.rmsnorm() ? doubles(w.get("norm.weight")) : null;
        outW = doubles(w.get("out_proj.weight"));
        outB = c.bias() ? doubles(w.get("out_proj.bias")) : null;
    }

    /**
     * One sequence's forward, per token t: {@code u [T, 2·d_inner + 2·G·N + H]} (in_proj: z | xBC_raw | dt_raw),
     * {@code pre [T, conv_dim]} (conv before silu), {@code xbc [T, conv_dim]}, {@code dt, decay [T, H]},
     * {@code s [T+1, H·P·N]} ({@code s[0]} the empty state), {@code ySsm, v [T, d_inner]} (before and after the gate),
     * {@code rinv [T, G]}, {@code n [T, d_inner]} (normed), {@code y [T, D]}.
     */
    private record Trace(double[][] u, double[][] pre, double[][] xbc, double[][] dt, double[][] decay, double[][] s,
                         double[][] ySsm, double[][] v, double[][] rinv, double[][] n, double[][] y) {}

    /** {@code y [B, T, D]} from an empty state. */
    @Override
    public FloatTensor forward(FloatTensor x) {
        int batch = x.dim(0), steps = x.dim(1), dm = c.hidden();
        float[] y = new float[x.size()];
        for (int b = 0; b < batch; b++) {
            Trace tr = trace(x, b, steps);
            for (int t = 0; t < steps; t++) for (int i = 0; i < dm; i++) y[(b * steps + t) * dm + i] = (float) tr.y()[t][i];
        }
        return new FloatTensor(y, x.shape());
    }

    /** Gradients of {@code L = Σ dy · y}, one per declared weight, by its name. */
    @Override
    public Gradients backward(FloatTensor x, FloatTensor dy) {
        int batch = x.dim(0), steps = x.dim(1), dm = c.hidden(), rows = c.inProjRows();
        Grads g = new Grads();
        float[] dx = new float[x.size()];
        for (int b = 0; b < batch; b++) {
            Trace tr = trace(x, b, steps);
            double[][] du = new double[steps][rows];
            double[][] dPre = scanBackward(tr, dy, b, steps, du, g);
            convBackward(tr, dPre, steps, du, g);
            for (int t = 0; t < steps; t++) {
                int at = (b * steps + t) * dm;
                double[] xt = token(x, at);
                outer(g.inW, du[t], xt);
                if (g.inB != null) add(g.inB, du[t]);
                double[] back = transposedMatvec(inW, du[t], rows, dm);
                for (int i = 0; i < dm; i++) dx[at + i] = (float) back[i];
            }
        }
        return Gradients.of(new FloatTensor(dx, x.shape()), g.tensors());
    }

    /**
     * Reverse time through out_proj, the gated norm, the scan, dt and the conv's silu. Writes the gradients of z and
     * dt_raw into {@code du}; returns the gradient of the conv's pre-activation {@code [T, conv_dim]}.
     */
    private double[][] scanBackward(Trace tr, FloatTensor dy, int b, int steps, double[][] du, Grads g) {
        int dm = c.hidden(), di = c.dInner(), cd = c.convDim(), hd = c.headDim(), n = c.stateSize(), gn = c.groups() * n;
        double[][] dPre = new double[steps][cd];
        double[] dS = new double[c.heads() * hd * n];   // dL/dS_t, carried back through the decay
        for (int t = steps - 1; t >= 0; t--) {
            double[] dyt = token(dy, (b * steps + t) * dm);
            outer(g.outW, dyt, tr.n()[t]);
            if (g.outB != null) add(g.outB, dyt);
            double[] dv = normBackward(tr, t, transposedMatvec(outW, dyt, dm, di), g);
            double[] dySsm = new double[di];
            for (int i = 0; i < di; i++) {
                double z = tr.u()[t][i], sig = sigmoid(z);
                dySsm[i] = dv[i] * z * sig;
                du[t][i] = dv[i] * tr.ySsm()[t][i] * sig * (1 + z * (1 - sig));
            }
            double[] xbc = tr.xbc()[t], sNow = tr.s()[t + 1], sPrev = tr.s()[t];
            double[] dXbc = new double[cd];
            for (int h = 0; h < c.heads(); h++) {
                int grp = h / c.headsPerGroup(), bOff = di + grp * n, cOff = di + gn + grp * n;
                double dt = tr.dt()[t][h], decay = tr.decay()[t][h], dDt = 0, dDecay = 0;
                for (int p = 0; p < hd; p++) {
                    int ch = h * hd + p, s = (h * hd + p) * n;
                    double xv = xbc[ch], dOut = dySsm[ch];
                    g.d[c.dHasHdim() ? ch : h] += dOut * xv;
                    dXbc[ch] += dOut * d[ch];
                    for (int k = 0; k < n; k++) {
                        // this step's readout y = S_t C, on top of what later steps carried back
                        dS[s + k] += dOut * xbc[cOff + k];
                        dXbc[cOff + k] += dOut * sNow[s + k];
                        // S_t = decay·S_{t−1} + dt·x Bᵀ
                        dDecay += dS[s + k] * sPrev[s + k];
                        dDt += dS[s + k] * xv * xbc[bOff + k];
                        dXbc[ch] += dt * dS[s + k] * xbc[bOff + k];
                        dXbc[bOff + k] += dt * dS[s + k] * xv;
                        dS[s + k] *= decay;
                    }
                }
                dDt += dDecay * decay * a[h];
                g.aLog[h] += dDecay * decay * dt * a[h];   // dA/dA_log = A
                double pre = tr.u()[t][di + cd + h] + dtBias[h];
                double dPreDt = pre > SOFTPLUS_THRESHOLD ? dDt : dDt * sigmoid(pre);
                g.dtBias[h] += dPreDt;
                du[t][di + cd + h] = dPreDt;
            }
            for (int ch = 0; ch < cd; ch++) {
                double p = tr.pre()[t][ch], sig = sigmoid(p);
                dPre[t][ch] = dXbc[ch] * sig * (1 + p * (1 - sig));
            }
        }
        return dPre;
    }

    /** The gated RMSNorm's backward for token t: from {@code dn [d_inner]} to {@code dv} (v = y_ssm ⊙ silu(z)). */
    private double[] normBackward(Trace tr, int t, double[] dn, Grads g) {
        if (normW == null) return dn;
        int di = c.dInner(), size = c.normGroupSize();
        double[] v = tr.v()[t], dv = new double[di];
        for (int grp = 0; grp < c.groups(); grp++) {
            int g0 = grp * size;
            double r = tr.rinv()[t][grp], dot = 0;
            for (int i = g0; i < g0 + size; i++) {
                g.normW[i] += dn[i] * v[i] * r;
                dot += dn[i] * normW[i] * v[i];
            }
            for (int i = g0; i < g0 + size; i++) dv[i] = r * dn[i] * normW[i] - r * r * r * v[i] * dot / size;
        }
        return dv;
    }

    /** The causal depthwise conv's backward: its weight and bias, and xBC_raw's gradient into {@code du}. */
    private void convBackward(Trace tr, double[][] dPre, int steps, double[][] du, Grads g) {
        int di = c.dInner(), cd = c.convDim(), kw = c.convKernel();
        for (int t = 0; t < steps; t++) {
            for (int ch = 0; ch < cd; ch++) {
                double dp = dPre[t][ch];
                if (g.convB != null) g.convB[ch] += dp;
                for (int w = 0; w < kw; w++) {
                    int tau = t - (kw - 1) + w;   // the source token; before 0 lies the empty state
                    if (tau < 0) continue;
                    g.convW[ch * kw + w] += dp * tr.u()[tau][di + ch];
                    du[tau][di + ch] += dp * convW[ch * kw + w];
                }
            }
        }
    }

    private Trace trace(FloatTensor x, int b, int steps) {
        int dm = c.hidden(), di = c.dInner(), cd = c.convDim(), kw = c.convKernel(), heads = c.heads(), hd = c.headDim();
        int n = c.stateSize(), gn = c.groups() * n, rows = c.inProjRows(), size = c.normGroupSize();
        double[][] u = new double[steps][], pre = new double[steps][cd], xbc = new double[steps][cd];
        double[][] dt = new double[steps][heads], decay = new double[steps][heads], s = new double[steps + 1][];
        double[][] ySsm = new double[steps][di], v = new double[steps][di], rinv = new double[steps][c.groups()];
        double[][] nrm = new double[steps][di], y = new double[steps][];
        s[0] = new double[heads * hd * n];
        for (int t = 0; t < steps; t++) {
            u[t] = matvec(inW, inB, token(x, (b * steps + t) * dm), rows, dm);
            for (int ch = 0; ch < cd; ch++) {
                double acc = convB == null ? 0 : convB[ch];
                for (int w = 0; w < kw; w++) {
                    int tau = t - (kw - 1) + w;
                    if (tau >= 0) acc += convW[ch * kw + w] * u[tau][di + ch];
                }
                pre[t][ch] = acc;
                xbc[t][ch] = acc * sigmoid(acc);
            }
            double[] st = s[t].clone();
            for (int h = 0; h < heads; h++) {
                int grp = h / c.headsPerGroup(), bOff = di + grp * n, cOff = di + gn + grp * n;
                double raw = u[t][di + cd + h] + dtBias[h];
                dt[t][h] = raw > SOFTPLUS_THRESHOLD ? raw : Math.log1p(Math.exp(raw));
                decay[t][h] = Math.exp(dt[t][h] * a[h]);
                for (int p = 0; p < hd; p++) {
                    int ch = h * hd + p, off = (h * hd + p) * n;
                    double xv = xbc[t][ch], acc = 0;
                    for (int k = 0; k < n; k++) {
                        st[off + k] = decay[t][h] * st[off + k] + dt[t][h] * xv * xbc[t][bOff + k];
                        acc += st[off + k] * xbc[t][cOff + k];
                    }
                    ySsm[t][ch] = acc + d[ch] * xv;
                }
            }
            s[t + 1] = st;
            for (int i = 0; i < di; i++) {
                double z = u[t][i];
                v[t][i] = ySsm[t][i] * z * sigmoid(z);
            }
            if (normW == null) {
                nrm[t] = v[t].clone();
            } else {
                for (int grp = 0; grp < c.groups(); grp++) {
                    double ss = 0;
                    for (int i = grp * size; i < (grp + 1) * size; i++) ss += v[t][i] * v[t][i];
                    rinv[t][grp] = 1 / Math.sqrt(ss / size + c.normEps());
                    for (int i = grp * size; i < (grp + 1) * size; i++) nrm[t][i] = v[t][i] * rinv[t][grp] * normW[i];
                }
            }
            y[t] = matvec(outW, outB, nrm[t], dm, di);
        }
        return new Trace(u, pre, xbc, dt, decay, s, ySsm, v, rinv, nrm, y);
    }

    /** Gradient accumulators, one per weight (null where the weight is not declared). */
    private final class Grads {
        final double[] inW = new double[Mamba2Training.this.inW.length];
        final double[] inB = Mamba2Training.this.inB == null ? null : new double[Mamba2Training.this.inB.length];
        final double[] convW = new double[Mamba2Training.this.convW.length];
        final double[] convB = Mamba2Training.this.convB == null ? null : new double[Mamba2Training.this.convB.length];
        final double[] dtBias = new double[c.heads()];
        final double[] aLog = new double[c.heads()];
        final double[] d = new double[c.dHasHdim() ? c.dInner() : c.heads()];
        final double[] normW = Mamba2Training.this.normW == null ? null : new double[c.dInner()];
        final double[] outW = new double[Mamba2Training.this.outW.length];
        final double[] outB = Mamba2Training.this.outB == null ? null : new double[c.hidden()];

        /** In the order of {@link Mamba2Provider#weights}, with their declared shapes. */
        Map<String, FloatTensor> tensors() {
            Map<String, FloatTensor> m = new LinkedHashMap<>();
            m.put("in_proj.weight", floats(inW, c.inProjRows(), c.hidden()));
            if (inB != null) m.put("in_proj.bias", floats(inB, c.inProjRows()));
            m.put("conv1d.weight", floats(convW, c.convDim(), 1, c.convKernel()));
            if (convB != null) m.put("conv1d.bias", floats(convB, c.convDim()));
            m.put("dt_bias", floats(dtBias, c.heads()));
            m.put("A_log", floats(aLog, c.heads()));
            m.put("D", floats(d, d.length));
            if (normW != null) m.put("norm.weight", floats(normW, c.dInner()));
            m.put("out_proj.weight", floats(outW, c.hidden(), c.dInner()));
            if (outB != null) m.put("out_proj.bias", floats(outB, c.hidden()));
            return m;
        }
    }

    private double[] token(FloatTensor t, int at) {
        double[] out = new double[c.hidden()];
        for (int i = 0; i < out.length; i++) out[i] = t.data()[at + i];
        return out;
    }

    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** {@code w [n, k] · in [k] + bias [n]} (bias may be null). */
    private static double[] matvec(double[] w, double[] bias, double[] in, int n, int k) {
        double[] out = new double[n];
        for (int r = 0; r < n; r++) {
            double acc = bias == null ? 0 : bias[r];
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

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
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
