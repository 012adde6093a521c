package io.jetrt.blocks.common.grad;

/**
 * {@link GatedDeltaRuleGrad}'s backward in the chunked (WY) form, float64: the plain statement of the math the CUDA
 * kernels {@code gdr_grad_state_kernel2} and {@code gdr_grad_chunk_kernel2} (gated_delta_grad.cuh) run, tested
 * against the per-token backward. One (batch, head) sequence from a zero state, chunks of {@code C} tokens.
 *
 * <p>Forward of chunk c from its start state {@code S0 [Dk, Dv]}, rows t, s &lt; C padded with zero rows past T,
 * {@code gc_t = Σ_{r≤t} g_r} within the chunk, {@code γ_t = e^{gc_t}}, {@code κ_t = e^{gc_{C−1} − gc_t}},
 * {@code dec = e^{gc_{C−1}}}, {@code E[t,s] = e^{gc_t − gc_s}}:
 * <pre>
 *   KKE[t,s] = (k_t·k_s) E[t,s] (s &lt; t);  A = diag(β) KKE;  T = (I + A)⁻¹
 *   BK = diag(βγ) K;  BV = diag(β) V;  W = T BK;  U = T BV;  u = U − W S0
 *   Aqk[t,s] = (q_t·k_s) E[t,s] (s ≤ t);  o = diag(γ) Q S0 + Aqk u;  S_end = dec S0 + (diag(κ) K)ᵀ u
 * </pre>
 * Backward, from {@code dH = ∂L/∂S_end} and {@code dO}, chunks last to first:
 * <pre>
 *   du = Aqkᵀ dO + diag(κ) K dH;  dS0 = dec dH + (diag(γ) Q)ᵀ dO − Wᵀ du        (the state pass: sequential)
 *   dAqk = dO uᵀ (s ≤ t);  M1 = dAqk ⊙ E;  dW = −du S0ᵀ;  dT = du BVᵀ + dW BKᵀ;  dA = −Tᵀ dT Tᵀ (s &lt; t)
 *   M2 = diag(β) dA ⊙ E
 *   dq = diag(γ) dO S0ᵀ + M1 K
 *   dk = diag(κ) u dHᵀ + diag(βγ) Tᵀ dW + M1ᵀ Q + M2 K + M2ᵀ K
 *   dv = diag(β) Tᵀ du
 *   dβ_t = (Tᵀ du)_t·v_t + γ_t (Tᵀ dW)_t·k_t + Σ_s dA[t,s] KKE[t,s]
 *   dgc_t = γ_t (dO S0ᵀ)_t·q_t − κ_t (u dHᵀ)_t·k_t + β_t γ_t (Tᵀ dW)_t·k_t + rows − columns of (dAqk ⊙ Aqk + dA ⊙ A)
 *   dgc_{C−1} += Σ_t κ_t (u dHᵀ)_t·k_t + dec Σ dH ⊙ S0;   dg_t = Σ_{r ≥ t} dgc_r (padded rows included)
 * </pre>
 * Every chunk's part after the state pass is independent of the others: on the GPU one block per chunk.
 */
public final class ChunkedGatedDeltaRuleGrad {
    private ChunkedGatedDeltaRuleGrad() {}

    /** The gradients for {@code dOut [T, Dv]}, as {@link GatedDeltaRuleGrad#backward}, by chunks of {@code chunk} tokens. */
    public static GatedDeltaRuleGrad.Grads backward(int tokens, int dk, int dv, int chunk, double[] q, double[] k, double[] v,
                                                    double[] g, double[] beta, double[] dOut) {
        int nc = (tokens + chunk - 1) / chunk;
        Chunk[] chunks = new Chunk[nc];
        double[][] starts = new double[nc][];
        double[] s = new double[dk * dv];
        for (int c = 0; c < nc; c++) {
            chunks[c] = new Chunk(c * chunk, Math.min(chunk, tokens - c * chunk), chunk, dk, dv, q, k, v, g, beta);
            starts[c] = s.clone();
            s = chunks[c].forward(s);
        }
        GatedDeltaRuleGrad.Grads r = new GatedDeltaRuleGrad.Grads(new double[tokens * dk], new double[tokens * dk],
                new double[tokens * dv], new double[tokens], new double[tokens]);
        double[] dH = new double[dk * dv];
        for (int c = nc - 1; c >= 0; c--) {
            double[] du = chunks[c].du(dOut, dH);
            chunks[c].backward(starts[c], dH, du, dOut, r);
            dH = chunks[c].dStart(dOut, dH, du);
        }
        return r;
    }

    /** One chunk's forward quantities, rows padded to {@code C}. Matrices are row-major {@code double[rows * cols]}. */
    private static final class Chunk {
        final int t0, len, c, dk, dv;
        final double[] q, k, v, beta, gc, gam, kap, e, kke, aqk, tm, bk, bv, w, u;
        final double dec;

        Chunk(int t0, int len, int c, int dk, int dv, double[] qAll, double[] kAll, double[] vAll, double[] g, double[] betaAll) {
            this.t0 = t0;
            this.len = len;
            this.c = c;
            this.dk = dk;
            this.dv = dv;
            q = new double[c * dk];
            k = new double[c * dk];
            v = new double[c * dv];
            beta = new double[c];
            gc = new double[c];
            System.arraycopy(qAll, t0 * dk, q, 0, len * dk);
            System.arraycopy(kAll, t0 * dk, k, 0, len * dk);
            System.arraycopy(vAll, t0 * dv, v, 0, len * dv);
            double acc = 0;
            for (int t = 0; t < c; t++) {
                if (t < len) {
                    acc += g[t0 + t];
                    beta[t] = betaAll[t0 + t];
                }
                gc[t] = acc;
            }
            dec = Math.exp(gc[c - 1]);
            gam = new double[c];
            kap = new double[c];
            for (int t = 0; t < c; t++) {
                gam[t] = Math.exp(gc[t]);
                kap[t] = Math.exp(gc[c - 1] - gc[t]);
            }
            e = new double[c * c];
            kke = new double[c * c];
            aqk = new double[c * c];
            for (int t = 0; t < c; t++) {
                for (int s = 0; s <= t; s++) {
                    e[t * c + s] = Math.exp(gc[t] - gc[s]);
                    aqk[t * c + s] = dot(q, t, k, s, dk) * e[t * c + s];
                    if (s < t) kke[t * c + s] = dot(k, t, k, s, dk) * e[t * c + s];
                }
            }
            // T = (I + diag(β) KKE)⁻¹ by forward substitution, column by column
            tm = new double[c * c];
            for (int col = 0; col < c; col++) {
                for (int t = 0; t < c; t++) {
                    double x = t == col ? 1 : 0;
                    for (int s = 0; s < t; s++) x -= beta[t] * kke[t * c + s] * tm[s * c + col];
                    tm[t * c + col] = x;
                }
            }
            bk = new double[c * dk];
            bv = new double[c * dv];
            for (int t = 0; t < c; t++) {
                for (int i = 0; i < dk; i++) bk[t * dk + i] = beta[t] * gam[t] * k[t * dk + i];
                for (int j = 0; j < dv; j++) bv[t * dv + j] = beta[t] * v[t * dv + j];
            }
            w = matmul(tm, false, bk, false, c, c, dk);
            u = new double[c * dv];
        }

        /** u = T BV − W S0 (kept), and the state at the chunk's end. */
        double[] forward(double[] s0) {
            double[] uu = matmul(tm, false, bv, false, c, c, dv), ws = matmul(w, false, s0, false, c, dk, dv);
            for (int i = 0; i < u.length; i++) u[i] = uu[i] - ws[i];
            double[] end = new double[dk * dv];
            for (int i = 0; i < dk; i++) {
                for (int j = 0; j < dv; j++) {
                    double acc = dec * s0[i * dv + j];
                    for (int t = 0; t < c; t++) acc += kap[t] * k[t * dk + i] * u[t * dv + j];
                    end[i * dv + j] = acc;
                }
            }
            return end;
        }

        /** This chunk's rows of dO, zero past T. */
        double[] dO(double[] dOut) {
            double[] d = new double[c * dv];
            System.arraycopy(dOut, t0 * dv, d, 0, len * dv);
            return d;
        }

        /** du = Aqkᵀ dO + diag(κ) K dH. */
        double[] du(double[] dOut, double[] dH) {
            double[] d = dO(dOut), du = matmul(aqk, true, d, false, c, c, dv), kh = matmul(k, false, dH, false, c, dk, dv);
            for (int t = 0; t < c; t++) {
                for (int j = 0; j < dv; j++) du[t * dv + j] += kap[t] * kh[t * dv + j];
            }
            return du;
        }

        /** dS0 = dec dH + (diag(γ) Q)ᵀ dO − Wᵀ du: the gradient at the chunk's start state. */
        double[] dStart(double[] dOut, double[] dH, double[] du) {
            double[] d = dO(dOut), qd = new double[c * dk];
            for (int t = 0; t < c; t++) {
                for (int i = 0; i < dk; i++) qd[t * dk + i] = gam[t] * q[t * dk + i];
            }
            double[] a = matmul(qd, true, d, false, dk, c, dv), b = matmul(w, true, du, false, dk, c, dv);
            double[] r = new double[dk * dv];
            for (int i = 0; i < r.length; i++) r[i] = dec * dH[i] + a[i] - b[i];
            return r;
        }

        /** Everything but the state gradient, into the chunk's rows of {@code r}. */
        void backward(double[] s0, double[] dH, double[] du, double[] dOut, GatedDeltaRuleGrad.Grads r) {
            double[] d = dO(dOut), dgc = new double[c], dbeta = new double[c];
            double[] m1 = matmul(d, false, u, true, c, dv, c);                 // dAqk, then M1
            for (int t = 0; t < c; t++) {
                for (int s = 0; s < c; s++) {
                    double da = s <= t ? m1[t * c + s] : 0, gts = da * aqk[t * c + s];
                    dgc[t] += gts;
                    dgc[s] -= gts;
                    m1[t * c + s] = da * e[t * c + s];
                }
            }
            double[] dw = matmul(du, false, s0, true, c, dv, dk);
            for (int i = 0; i < dw.length; i++) dw[i] = -dw[i];
            double[] dt = matmul(du, false, bv, true, c, dv, c), dt2 = matmul(dw, false, bk, true, c, dk, c);
            for (int i = 0; i < dt.length; i++) dt[i] += dt2[i];
            double[] da = matmul(tm, true, matmul(dt, false, tm, true, c, c, c), false, c, c, c);
            double[] m2 = new double[c * c];
            for (int t = 0; t < c; t++) {
                for (int s = 0; s < t; s++) {
                    double a = -da[t * c + s], f = a * beta[t] * kke[t * c + s];
                    dbeta[t] += a * kke[t * c + s];
                    dgc[t] += f;
                    dgc[s] -= f;
                    m2[t * c + s] = beta[t] * a * e[t * c + s];
                }
            }
            double[] qs = matmul(d, false, s0, true, c, dv, dk), m1k = matmul(m1, false, k, false, c, c, dk);
            double[] uh = matmul(u, false, dH, true, c, dv, dk), tdw = matmul(tm, true, dw, false, c, c, dk);
            double[] m1q = matmul(m1, true, q, false, c, c, dk), m2k = matmul(m2, false, k, false, c, c, dk);
            double[] m2tk = matmul(m2, true, k, false, c, c, dk), tdu = matmul(tm, true, du, false, c, c, dv);
            double last = 0;
            for (int t = 0; t < c; t++) {
                double qdot = 0, udot = 0, wdot = 0, vdot = 0;
                for (int i = 0; i < dk; i++) {
                    int ti = t * dk + i;
                    qdot += qs[ti] * q[ti];
                    udot += uh[ti] * k[ti];
                    wdot += tdw[ti] * k[ti];
                    if (t < len) {
                        r.dq()[(t0 + t) * dk + i] = gam[t] * qs[ti] + m1k[ti];
                        r.dk()[(t0 + t) * dk + i] = kap[t] * uh[ti] + beta[t] * gam[t] * tdw[ti] + m1q[ti] + m2k[ti] + m2tk[ti];
                    }
                }
                for (int j = 0; j < dv; j++) {
                    vdot += tdu[t * dv + j] * v[t * dv + j];
                    if (t < len) r.dv()[(t0 + t) * dv + j] = beta[t] * tdu[t * dv + j];
                }
                dgc[t] += gam[t] * qdot - kap[t] * udot + beta[t] * gam[t] * wdot;
                last += kap[t] * udot;
                dbeta[t] += vdot + gam[t] * wdot;
            }
            double hs = 0;
            for (int i = 0; i < dH.length; i++) hs += dH[i] * s0[i];
            dgc[c - 1] += last + dec * hs;
            double acc = 0;
            for (int t = c - 1; t >= 0; t--) {
                acc += dgc[t];
                if (t < len) {
                    r.dg()[t0 + t] = acc;
                    r.dBeta()[t0 + t] = dbeta[t];
                }
            }
        }
    }

    private static double dot(double[] a, int ra, double[] b, int rb, int n) {
        double acc = 0;
        for (int i = 0; i < n; i++) acc += a[ra * n + i] * b[rb * n + i];
        return acc;
    }

    /** op(a) [m, kk] · op(b) [kk, n]; {@code ta}: a is stored [kk, m]; {@code tb}: b is stored [n, kk]. */
    private static double[] matmul(double[] a, boolean ta, double[] b, boolean tb, int m, int kk, int n) {
        double[] r = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int x = 0; x < kk; x++) {
                double av = ta ? a[x * m + i] : a[i * kk + x];
                if (av == 0) continue;
                for (int j = 0; j < n; j++) r[i * n + j] += av * (tb ? b[j * kk + x] : b[x * n + j]);
            }
        }
        return r;
    }
}
