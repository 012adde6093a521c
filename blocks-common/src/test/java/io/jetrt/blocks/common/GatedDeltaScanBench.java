package io.jetrt.blocks.common;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Versions of the CPU gated delta rule over one (batch, head), timed on 2B-like shapes (H 12, Dk 96, Dv 256,
 * T 2048; llm.c style: each version says what it changed). Runs only with {@code -Djetrt.bench=true}; each
 * version is first checked against {@link GatedDeltaRule#step} on a small shape.
 * <ul>
 *   <li>v1: per token, one read pass for {@code Sᵀk, Sᵀq}, then one read-write pass {@code S ← αS + k uᵀ}; one row at a time.</li>
 *   <li>v2: one pass per token: the update sweep also accumulates the next token's {@code Sᵀk, Sᵀq}; one row at a time.</li>
 *   <li>v3: v2 with four rows per sweep.</li>
 *   <li>v4: the chunked WY form of BLOCKS.md §3.3, chunk 64, four rows per sweep in its three state products.</li>
 *   <li>v5: v2 on a copy of the state as one array per row, so that every loop indexes all its arrays at
 *       {@code j} and HotSpot vectorises it ({@link GatedDeltaScan}, production).</li>
 *   <li>v6: v4 with the state, U/Vn and the outputs as one array per row, for the same reason.</li>
 * </ul>
 */
class GatedDeltaScanBench {
    private static final int H = 12, DK = 96, DV = 256, T = 2048;

    interface Version {
        /** q, k [T, Dk] raw; v, o [T, Dv]; g, beta [T]; s [Dk, Dv] updated. */
        void run(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o);
    }

    static final Version V1 = GatedDeltaScanBench::twoPass;
    static final Version V2 = GatedDeltaScanBench::fusedOneRow;
    static final Version V3 = GatedDeltaScanBench::fusedFourRows;
    static final Version V4 = GatedDeltaScanBench::chunked;
    static final Version V5 = (tokens, dk, dv, s, q, k, v, g, beta, o) -> GatedDeltaScan.run(tokens, dk, dv, s, 0,
            new GatedDeltaScan.Rows(q, 0, dk), new GatedDeltaScan.Rows(k, 0, dk), new GatedDeltaScan.Rows(v, 0, dv), g, beta,
            new GatedDeltaScan.Rows(o, 0, dv));
    static final Version V6 = GatedDeltaScanBench::chunkedRows;

    @Test
    void timeVersions() {
        assumeTrue(Boolean.getBoolean("jetrt.bench"), "set -Djetrt.bench=true to run");
        String[] names = {"v1 two-pass", "v2 fused", "v3 fused, 4 rows", "v4 chunked WY C=64",
                "v5 fused, row arrays (production)", "v6 chunked WY, row arrays"};
        Version[] versions = {V1, V2, V3, V4, V5, V6};
        for (int i = 0; i < versions.length; i++) check(names[i], versions[i]);

        SplittableRandom rng = new SplittableRandom(2048);
        float[][] q = new float[H][], k = new float[H][], v = new float[H][], g = new float[H][], beta = new float[H][];
        for (int h = 0; h < H; h++) {
            q[h] = Rand.normal(rng, 1, T * DK);
            k[h] = Rand.normal(rng, 1, T * DK);
            v[h] = Rand.normal(rng, 1, T * DV);
            g[h] = Rand.uniform(rng, -1, 0, T);
            beta[h] = Rand.uniform(rng, 0, 1, T);
        }
        PlainCpuOps ops = new PlainCpuOps();
        double flops = 6.0 * DK * DV * T * H; // Sᵀk, Sᵀq and the rank-1 update, 2 flops per state element each
        System.out.printf("gated delta rule, B 1, H %d, Dk %d, Dv %d, T %d; %d workers; nominal %.2f GFLOP%n",
                H, DK, DV, T, ops.threads() + 1, flops / 1e9);
        System.out.printf("for scale, an in-L1 axpy y[j] += a*x[j] over Dv %d row arrays, one thread: %.2f GFLOP/s%n", DV, axpyCeiling());
        for (int i = 0; i < versions.length; i++) {
            Version ver = versions[i];
            float[][] s = new float[H][DK * DV], o = new float[H][T * DV];
            double best1 = Double.MAX_VALUE, bestAll = Double.MAX_VALUE;
            for (int rep = 0; rep < 6; rep++) {
                long t0 = System.nanoTime();
                ver.run(T, DK, DV, s[0], q[0], k[0], v[0], g[0], beta[0], o[0]);
                long t1 = System.nanoTime();
                ops.parallelFor(H, h -> ver.run(T, DK, DV, s[h], q[h], k[h], v[h], g[h], beta[h], o[h]));
                long t2 = System.nanoTime();
                if (rep >= 2) { // the first runs warm up the JIT
                    best1 = Math.min(best1, (t1 - t0) / 1e6);
                    bestAll = Math.min(bestAll, (t2 - t1) / 1e6);
                }
            }
            System.out.printf("%-34s one head, one thread %7.1f ms (%5.2f GFLOP/s)   all %d heads, parallelFor %7.1f ms (%5.2f GFLOP/s)%n",
                    names[i], best1, flops / H / best1 / 1e6, H, bestAll, flops / bestAll / 1e6);
        }
    }

    /** The speed of the simplest vectorised Dv-contiguous loop on this machine, to put the versions in scale. */
    private static double axpyCeiling() {
        float[] y = new float[DV], x = new float[DV];
        long reps = 2_000_000;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (long r = 0; r < reps; r++) axpy(y, 1e-9f, x);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return 2.0 * DV * reps / best;
    }

    /** The version equals the literal step loop on a small odd shape spanning chunk boundaries. */
    private static void check(String name, Version ver) {
        int dk = 7, dv = 9, tokens = 130;
        SplittableRandom rng = new SplittableRandom(5);
        float[] q = Rand.normal(rng, 1, tokens * dk), k = Rand.normal(rng, 1, tokens * dk), v = Rand.normal(rng, 1, tokens * dv);
        float[] g = Rand.uniform(rng, -2, 0, tokens), beta = Rand.uniform(rng, 0, 1, tokens), s0 = Rand.normal(rng, 1, dk * dv);
        float[] sRef = s0.clone(), oRef = new float[tokens * dv], u = new float[dv], qn = new float[dk], kn = new float[dk];
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(q, t * dk, qn, 0, dk);
            System.arraycopy(k, t * dk, kn, 0, dk);
            GatedDeltaRule.l2Normalize(qn, 0, dk, (float) (1 / Math.sqrt(dk)));
            GatedDeltaRule.l2Normalize(kn, 0, dk, 1f);
            GatedDeltaRule.step(sRef, 0, dk, dv, qn, 0, kn, 0, v, t * dv, g[t], beta[t], u, oRef, t * dv);
        }
        float[] s = s0.clone(), o = new float[tokens * dv];
        Arrays.fill(o, Float.NaN);
        ver.run(tokens, dk, dv, s, q, k, v, g, beta, o);
        double ro = Rand.rel(o, oRef), rs = Rand.rel(s, sRef);
        assertTrue(ro <= 1e-5 && rs <= 1e-5, name + " vs step, Dk 7 Dv 9 T 130: o rel " + ro + ", state rel " + rs);
    }

    private static void normalized(float[] x, int t, int dk, float scale, float[] dst) {
        System.arraycopy(x, t * dk, dst, 0, dk);
        GatedDeltaRule.l2Normalize(dst, 0, dk, scale);
    }

    static void twoPass(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o) {
        float scale = (float) (1 / Math.sqrt(dk));
        float[] qn = new float[dk], kn = new float[dk], pk = new float[dv], pq = new float[dv], u = new float[dv];
        for (int t = 0; t < tokens; t++) {
            normalized(q, t, dk, scale, qn);
            normalized(k, t, dk, 1f, kn);
            Arrays.fill(pk, 0f);
            Arrays.fill(pq, 0f);
            for (int i = 0; i < dk; i++) {
                int r = i * dv;
                float ki = kn[i], qi = qn[i];
                for (int j = 0; j < dv; j++) {
                    pk[j] += ki * s[r + j];
                    pq[j] += qi * s[r + j];
                }
            }
            float alpha = (float) Math.exp(g[t]), b = beta[t], qk = 0f;
            for (int i = 0; i < dk; i++) qk += qn[i] * kn[i];
            for (int j = 0; j < dv; j++) {
                u[j] = b * (v[t * dv + j] - alpha * pk[j]);
                o[t * dv + j] = alpha * pq[j] + qk * u[j];
            }
            for (int i = 0; i < dk; i++) {
                int r = i * dv;
                float ki = kn[i];
                for (int j = 0; j < dv; j++) s[r + j] = alpha * s[r + j] + ki * u[j];
            }
        }
    }

    static void fusedOneRow(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o) {
        float scale = (float) (1 / Math.sqrt(dk));
        float[] qn = new float[dk], kn = new float[dk], nq = new float[dk], nk = new float[dk];
        float[] pk = new float[dv], pq = new float[dv], u = new float[dv];
        normalized(q, 0, dk, scale, qn);
        normalized(k, 0, dk, 1f, kn);
        for (int i = 0; i < dk; i++) {
            for (int j = 0; j < dv; j++) {
                pk[j] += kn[i] * s[i * dv + j];
                pq[j] += qn[i] * s[i * dv + j];
            }
        }
        for (int t = 0; t < tokens; t++) {
            float alpha = (float) Math.exp(g[t]), b = beta[t], qk = 0f;
            for (int i = 0; i < dk; i++) qk += qn[i] * kn[i];
            for (int j = 0; j < dv; j++) {
                u[j] = b * (v[t * dv + j] - alpha * pk[j]);
                o[t * dv + j] = alpha * pq[j] + qk * u[j];
            }
            boolean next = t + 1 < tokens;
            if (next) {
                normalized(q, t + 1, dk, scale, nq);
                normalized(k, t + 1, dk, 1f, nk);
            }
            Arrays.fill(pk, 0f);
            Arrays.fill(pq, 0f);
            for (int i = 0; i < dk; i++) {
                int r = i * dv;
                float ki = kn[i], ai = nk[i], bi = nq[i];
                for (int j = 0; j < dv; j++) {
                    float sj = alpha * s[r + j] + ki * u[j];
                    s[r + j] = sj;
                    pk[j] += ai * sj;
                    pq[j] += bi * sj;
                }
            }
            float[] swap = qn; qn = nq; nq = swap;
            swap = kn; kn = nk; nk = swap;
        }
    }

    /** BLOCKS.md §3.3 chunked form; W·S0, Q·S0 and the state update are the three Dk·Dv-per-token products. */
    static void chunked(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o) {
        final int c = 64;
        float scale = (float) (1 / Math.sqrt(dk));
        float[] qn = new float[c * dk], kn = new float[c * dk], gam = new float[c], a = new float[c * c], qk = new float[c * c];
        float[] vn = new float[c * dv], w = new float[c * dk], qe = new float[c * dk], kc = new float[c * dk];
        for (int c0 = 0; c0 < tokens; c0 += c) {
            int n = Math.min(c, tokens - c0);
            float acc = 0f;
            for (int r = 0; r < n; r++) {
                System.arraycopy(q, (c0 + r) * dk, qn, r * dk, dk);
                GatedDeltaRule.l2Normalize(qn, r * dk, dk, scale);
                System.arraycopy(k, (c0 + r) * dk, kn, r * dk, dk);
                GatedDeltaRule.l2Normalize(kn, r * dk, dk, 1f);
                acc += g[c0 + r];
                gam[r] = acc;
            }
            for (int r = 0; r < n; r++) {
                for (int t = 0; t <= r; t++) {
                    float kk = 0f, qkd = 0f;
                    for (int i = 0; i < dk; i++) {
                        kk += kn[r * dk + i] * kn[t * dk + i];
                        qkd += qn[r * dk + i] * kn[t * dk + i];
                    }
                    float decay = (float) Math.exp(gam[r] - gam[t]);
                    a[r * c + t] = t < r ? beta[c0 + r] * decay * kk : 0f;
                    qk[r * c + t] = qkd * decay;
                }
            }
            // forward substitution with the unit lower-triangular (I + A): U = (I+A)^-1 diag(β) V, W = (I+A)^-1 diag(β e^γ) K
            for (int r = 0; r < n; r++) {
                float br = beta[c0 + r], bg = br * (float) Math.exp(gam[r]);
                for (int j = 0; j < dv; j++) vn[r * dv + j] = br * v[(c0 + r) * dv + j];
                for (int i = 0; i < dk; i++) w[r * dk + i] = bg * kn[r * dk + i];
                for (int t = 0; t < r; t++) {
                    float art = a[r * c + t];
                    for (int j = 0; j < dv; j++) vn[r * dv + j] -= art * vn[t * dv + j];
                    for (int i = 0; i < dk; i++) w[r * dk + i] -= art * w[t * dk + i];
                }
                float eg = (float) Math.exp(gam[r]);
                for (int i = 0; i < dk; i++) qe[r * dk + i] = eg * qn[r * dk + i];
            }
            // Vn = U − W·S0 and O = diag(e^γ) Q·S0, sharing each sweep over four state rows
            for (int r = 0; r < n; r++) {
                int vr = r * dv, or = (c0 + r) * dv;
                Arrays.fill(o, or, or + dv, 0f);
                int i = 0;
                for (; i + 4 <= dk; i += 4) {
                    int s0 = i * dv, s1 = s0 + dv, s2 = s1 + dv, s3 = s2 + dv;
                    float w0 = w[r * dk + i], w1 = w[r * dk + i + 1], w2 = w[r * dk + i + 2], w3 = w[r * dk + i + 3];
                    float e0 = qe[r * dk + i], e1 = qe[r * dk + i + 1], e2 = qe[r * dk + i + 2], e3 = qe[r * dk + i + 3];
                    for (int j = 0; j < dv; j++) {
                        float x0 = s[s0 + j], x1 = s[s1 + j], x2 = s[s2 + j], x3 = s[s3 + j];
                        vn[vr + j] -= (w0 * x0 + w1 * x1) + (w2 * x2 + w3 * x3);
                        o[or + j] += (e0 * x0 + e1 * x1) + (e2 * x2 + e3 * x3);
                    }
                }
                for (; i < dk; i++) {
                    float wi = w[r * dk + i], ei = qe[r * dk + i];
                    for (int j = 0; j < dv; j++) {
                        vn[vr + j] -= wi * s[i * dv + j];
                        o[or + j] += ei * s[i * dv + j];
                    }
                }
            }
            // O += (QKᵀ ⊙ Γ)·Vn, lower triangle including the diagonal
            for (int r = 0; r < n; r++) {
                int or = (c0 + r) * dv;
                for (int t = 0; t <= r; t++) {
                    float f = qk[r * c + t];
                    for (int j = 0; j < dv; j++) o[or + j] += f * vn[t * dv + j];
                }
            }
            // S = e^{γ_n} S0 + (K ⊙ e^{γ_n − γ})ᵀ·Vn
            float last = gam[n - 1], el = (float) Math.exp(last);
            for (int r = 0; r < n; r++) {
                float f = (float) Math.exp(last - gam[r]);
                for (int i = 0; i < dk; i++) kc[r * dk + i] = f * kn[r * dk + i];
            }
            for (int i = 0; i < dk; i++) {
                int si = i * dv;
                for (int j = 0; j < dv; j++) s[si + j] *= el;
                int r = 0;
                for (; r + 4 <= n; r += 4) {
                    float f0 = kc[r * dk + i], f1 = kc[(r + 1) * dk + i], f2 = kc[(r + 2) * dk + i], f3 = kc[(r + 3) * dk + i];
                    int v0 = r * dv, v1 = v0 + dv, v2 = v1 + dv, v3 = v2 + dv;
                    for (int j = 0; j < dv; j++) s[si + j] += (f0 * vn[v0 + j] + f1 * vn[v1 + j]) + (f2 * vn[v2 + j] + f3 * vn[v3 + j]);
                }
                for (; r < n; r++) {
                    float f = kc[r * dk + i];
                    for (int j = 0; j < dv; j++) s[si + j] += f * vn[r * dv + j];
                }
            }
        }
    }

    /** v3: v2 with four state rows per sweep, the state flat in its tensor. */
    static void fusedFourRows(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o) {
        float scale = (float) (1 / Math.sqrt(dk));
        float[] qn = new float[dk], kn = new float[dk], nq = new float[dk], nk = new float[dk];
        float[] pk = new float[dv], pq = new float[dv], u = new float[dv];
        normalized(q, 0, dk, scale, qn);
        normalized(k, 0, dk, 1f, kn);
        flatProject(s, 0, dk, dv, kn, qn, pk, pq);
        for (int t = 0; t < tokens; t++) {
            float alpha = (float) Math.exp(g[t]), b = beta[t], qk = 0f;
            for (int i = 0; i < dk; i++) qk += qn[i] * kn[i];
            for (int j = 0; j < dv; j++) {
                u[j] = b * (v[t * dv + j] - alpha * pk[j]);
                o[t * dv + j] = alpha * pq[j] + qk * u[j];
            }
            if (t + 1 < tokens) {
                normalized(q, t + 1, dk, scale, nq);
                normalized(k, t + 1, dk, 1f, nk);
                flatUpdateAndProject(s, 0, dk, dv, alpha, kn, u, nk, nq, pk, pq);
                float[] swap = qn; qn = nq; nq = swap;
                swap = kn; kn = nk; nk = swap;
            } else {
                flatUpdate(s, 0, dk, dv, alpha, kn, u);
            }
        }
    }

    /** {@code pk = Sᵀk, pq = Sᵀq} over the state as it is. */
    static void flatProject(float[] s, int sOff, int dk, int dv, float[] k, float[] q, float[] pk, float[] pq) {
        Arrays.fill(pk, 0, dv, 0f);
        Arrays.fill(pq, 0, dv, 0f);
        int i = 0;
        for (; i + 4 <= dk; i += 4) {
            int r0 = sOff + i * dv, r1 = r0 + dv, r2 = r1 + dv, r3 = r2 + dv;
            float k0 = k[i], k1 = k[i + 1], k2 = k[i + 2], k3 = k[i + 3];
            float q0 = q[i], q1 = q[i + 1], q2 = q[i + 2], q3 = q[i + 3];
            for (int j = 0; j < dv; j++) {
                float s0 = s[r0 + j], s1 = s[r1 + j], s2 = s[r2 + j], s3 = s[r3 + j];
                pk[j] += (k0 * s0 + k1 * s1) + (k2 * s2 + k3 * s3);
                pq[j] += (q0 * s0 + q1 * s1) + (q2 * s2 + q3 * s3);
            }
        }
        for (; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i], qi = q[i];
            for (int j = 0; j < dv; j++) {
                pk[j] += ki * s[r + j];
                pq[j] += qi * s[r + j];
            }
        }
    }

    /** {@code S ← αS + k uᵀ}, and from the new rows {@code pk = Sᵀnk, pq = Sᵀnq} for the next token. */
    static void flatUpdateAndProject(float[] s, int sOff, int dk, int dv, float alpha, float[] k, float[] u,
                                 float[] nk, float[] nq, float[] pk, float[] pq) {
        Arrays.fill(pk, 0, dv, 0f);
        Arrays.fill(pq, 0, dv, 0f);
        int i = 0;
        for (; i + 4 <= dk; i += 4) {
            int r0 = sOff + i * dv, r1 = r0 + dv, r2 = r1 + dv, r3 = r2 + dv;
            float k0 = k[i], k1 = k[i + 1], k2 = k[i + 2], k3 = k[i + 3];
            float a0 = nk[i], a1 = nk[i + 1], a2 = nk[i + 2], a3 = nk[i + 3];
            float b0 = nq[i], b1 = nq[i + 1], b2 = nq[i + 2], b3 = nq[i + 3];
            for (int j = 0; j < dv; j++) {
                float uj = u[j];
                float s0 = alpha * s[r0 + j] + k0 * uj;
                float s1 = alpha * s[r1 + j] + k1 * uj;
                float s2 = alpha * s[r2 + j] + k2 * uj;
                float s3 = alpha * s[r3 + j] + k3 * uj;
                s[r0 + j] = s0;
                s[r1 + j] = s1;
                s[r2 + j] = s2;
                s[r3 + j] = s3;
                pk[j] += (a0 * s0 + a1 * s1) + (a2 * s2 + a3 * s3);
                pq[j] += (b0 * s0 + b1 * s1) + (b2 * s2 + b3 * s3);
            }
        }
        for (; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i], ai = nk[i], bi = nq[i];
            for (int j = 0; j < dv; j++) {
                float sj = alpha * s[r + j] + ki * u[j];
                s[r + j] = sj;
                pk[j] += ai * sj;
                pq[j] += bi * sj;
            }
        }
    }

    /** {@code S ← αS + k uᵀ}, for the last token of a chunk. */
    static void flatUpdate(float[] s, int sOff, int dk, int dv, float alpha, float[] k, float[] u) {
        for (int i = 0; i < dk; i++) {
            int r = sOff + i * dv;
            float ki = k[i];
            for (int j = 0; j < dv; j++) s[r + j] = alpha * s[r + j] + ki * u[j];
        }
    }

    /** v6: {@link #chunked} with the state, Vn and the chunk's outputs held as one array per row. */
    static void chunkedRows(int tokens, int dk, int dv, float[] s, float[] q, float[] k, float[] v, float[] g, float[] beta, float[] o) {
        final int c = 64;
        float scale = (float) (1 / Math.sqrt(dk));
        float[][] st = new float[dk][], vn = new float[c][dv], out = new float[c][dv];
        for (int i = 0; i < dk; i++) st[i] = Arrays.copyOfRange(s, i * dv, (i + 1) * dv);
        float[] qn = new float[c * dk], kn = new float[c * dk], gam = new float[c], a = new float[c * c], qk = new float[c * c];
        float[] w = new float[c * dk], qe = new float[c * dk];
        for (int c0 = 0; c0 < tokens; c0 += c) {
            int n = Math.min(c, tokens - c0);
            float acc = 0f;
            for (int r = 0; r < n; r++) {
                System.arraycopy(q, (c0 + r) * dk, qn, r * dk, dk);
                GatedDeltaRule.l2Normalize(qn, r * dk, dk, scale);
                System.arraycopy(k, (c0 + r) * dk, kn, r * dk, dk);
                GatedDeltaRule.l2Normalize(kn, r * dk, dk, 1f);
                acc += g[c0 + r];
                gam[r] = acc;
            }
            for (int r = 0; r < n; r++) {
                for (int t = 0; t <= r; t++) {
                    float kk = 0f, qkd = 0f;
                    for (int i = 0; i < dk; i++) {
                        kk += kn[r * dk + i] * kn[t * dk + i];
                        qkd += qn[r * dk + i] * kn[t * dk + i];
                    }
                    float decay = (float) Math.exp(gam[r] - gam[t]);
                    a[r * c + t] = t < r ? beta[c0 + r] * decay * kk : 0f;
                    qk[r * c + t] = qkd * decay;
                }
            }
            for (int r = 0; r < n; r++) {
                float br = beta[c0 + r], eg = (float) Math.exp(gam[r]), bg = br * eg;
                float[] vr = vn[r];
                for (int j = 0; j < dv; j++) vr[j] = br * v[(c0 + r) * dv + j];
                for (int i = 0; i < dk; i++) w[r * dk + i] = bg * kn[r * dk + i];
                for (int t = 0; t < r; t++) {
                    float art = a[r * c + t];
                    axpy(vr, -art, vn[t]);
                    for (int i = 0; i < dk; i++) w[r * dk + i] -= art * w[t * dk + i];
                }
                for (int i = 0; i < dk; i++) qe[r * dk + i] = eg * qn[r * dk + i];
            }
            for (int r = 0; r < n; r++) {
                float[] vr = vn[r], or = out[r];
                Arrays.fill(or, 0f);
                for (int i = 0; i < dk; i++) twoAxpy(vr, -w[r * dk + i], or, qe[r * dk + i], st[i]);
            }
            for (int r = 0; r < n; r++) {
                float[] or = out[r];
                for (int t = 0; t <= r; t++) axpy(or, qk[r * c + t], vn[t]);
                System.arraycopy(or, 0, o, (c0 + r) * dv, dv);
            }
            float last = gam[n - 1], el = (float) Math.exp(last);
            for (int i = 0; i < dk; i++) {
                float[] si = st[i];
                for (int j = 0; j < dv; j++) si[j] *= el;
                for (int r = 0; r < n; r++) axpy(si, (float) Math.exp(last - gam[r]) * kn[r * dk + i], vn[r]);
            }
        }
        for (int i = 0; i < dk; i++) System.arraycopy(st[i], 0, s, i * dv, dv);
    }

    private static void axpy(float[] y, float a, float[] x) {
        for (int j = 0; j < y.length; j++) y[j] += a * x[j];
    }

    private static void twoAxpy(float[] y, float a, float[] z, float b, float[] x) {
        for (int j = 0; j < y.length; j++) {
            y[j] += a * x[j];
            z[j] += b * x[j];
        }
    }
}
