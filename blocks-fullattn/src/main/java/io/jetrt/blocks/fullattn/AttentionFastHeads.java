package io.jetrt.blocks.fullattn;

import io.jetrt.spi.CpuOps;

import java.util.Arrays;

/**
 * Causal (or sliding-window) softmax attention of a whole sequence and its backward ({@link AttentionForward64} and
 * {@link AttentionBackward}'s math) in float32 storage for the CPU training path, each (batch, query head) an
 * independent job on {@link CpuOps#parallelFor}. Query t attends keys {@code lo(t) ≤ j ≤ t} of its KV head.
 *
 * <p>A job writes only its own rows of o, lse and dq. K and V are shared by a group's query heads: each job's dk, dv
 * go into its own partial {@code [T, Dh]}, summed afterwards in head order per (batch, KV head), so no result
 * depends on scheduling. Dot products and the softmax run in float64; sums over keys or queries into a row
 * ({@code o, dq, dk, dv}) are float32 {@code a += s·b} loops the JIT vectorises.
 *
 * <p>Memory per job: its q, k, v, dO, o rows and the dk, dv partials ({@code [T, Dh]} each) and one scores row
 * {@code [T]}; the {@code [T, T]} probabilities are never held: the backward recomputes them from q, k and lse.
 */
final class AttentionFastHeads {
    private final AttentionConfig cfg;
    private final CpuOps ops;

    /** The forward's outputs: {@code o [B·T, H·Dh]} (o_proj's input) and {@code lse [B·T, H]} = log Σ_j exp(score_tj). */
    record Output(float[] o, double[] lse) {}

    /** {@code dq [B·T, H·Dh]}, {@code dk, dv [B·T, Hkv·Dh]}: before RoPE's backward. */
    record Grads(float[] dq, float[] dk, float[] dv) {}

    AttentionFastHeads(AttentionConfig cfg, CpuOps ops) {
        this.cfg = cfg;
        this.ops = ops;
    }

    /** The first key query t sees. */
    private int lo(int t) { return cfg.sliding() ? Math.max(0, t - cfg.window() + 1) : 0; }

    /** One (batch, head)'s rows, contiguous: {@code q [T, Dh]} and its KV head's {@code k, v [T, Dh]}. */
    private final class Head {
        final int bi, h, n, dh = cfg.headDim();
        final float[] q, k, v;
        final double scale = 1.0 / Math.sqrt(cfg.headDim());

        Head(float[] qs, float[] ks, float[] vs, int tokens, int bi, int h) {
            this.bi = bi;
            this.h = h;
            n = tokens;
            q = rows(qs, cfg.qDim(), h);
            k = rows(ks, cfg.kvDim(), h / cfg.group());
            v = rows(vs, cfg.kvDim(), h / cfg.group());
        }

        /** Head {@code head}'s {@code [T, Dh]} slice of {@code a [B·T, width]}. */
        float[] rows(float[] a, int width, int head) {
            float[] out = new float[n * dh];
            for (int t = 0; t < n; t++) System.arraycopy(a, (bi * n + t) * width + head * dh, out, t * dh, dh);
            return out;
        }

        /** {@code scale · q_t · k_j}. */
        double score(int t, int j) {
            double s = 0;
            for (int i = 0; i < dh; i++) s += (double) q[t * dh + i] * k[j * dh + i];
            return s * scale;
        }

        /** The row offset of token t, this head, in a {@code [B·T, H·Dh]} tensor. */
        int at(int t) { return (bi * n + t) * cfg.qDim() + h * dh; }
    }

    /** Attention of {@code q [B·T, H·Dh]} over {@code k, v [B·T, Hkv·Dh]}, all after RoPE. */
    Output forward(float[] q, float[] k, float[] v, int batch, int tokens) {
        int heads = cfg.heads();
        Output out = new Output(new float[q.length], new double[batch * tokens * heads]);
        ops.parallelFor(batch * heads, job -> {
            Head hd = new Head(q, k, v, tokens, job / heads, job % heads);
            double[] scores = new double[tokens];
            float[] o = new float[hd.dh];
            for (int t = 0; t < tokens; t++) {
                int lo = lo(t);
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = lo; j <= t; j++) max = Math.max(max, scores[j] = hd.score(t, j));
                for (int j = lo; j <= t; j++) sum += Math.exp(scores[j] - max);
                double lse = max + Math.log(sum);
                Arrays.fill(o, 0f);
                for (int j = lo; j <= t; j++) axpy((float) Math.exp(scores[j] - lse), hd.v, j * hd.dh, o, 0, hd.dh);
                System.arraycopy(o, 0, out.o(), hd.at(t), hd.dh);
                out.lse()[(hd.bi * tokens + t) * heads + hd.h] = lse;
            }
        });
        return out;
    }

    /**
     * The gradients for {@code dO [B·T, H·Dh]}, the loss's gradient at the forward's o; {@code fwd} is that forward's
     * output on the same q, k, v. Per query t, with {@code Δ_t = dO_t · o_t}:
     * {@code dv_j += p_tj dO_t}, {@code ds_tj = p_tj (dO_t · v_j − Δ_t)·scale}, {@code dq_t += ds_tj k_j}, {@code dk_j += ds_tj q_t}.
     */
    Grads backward(float[] q, float[] k, float[] v, Output fwd, float[] dO, int batch, int tokens) {
        int heads = cfg.heads(), dh = cfg.headDim(), jobs = batch * heads;
        Grads g = new Grads(new float[q.length], new float[k.length], new float[v.length]);
        float[][] dkParts = new float[jobs][], dvParts = new float[jobs][];
        ops.parallelFor(jobs, job -> {
            Head hd = new Head(q, k, v, tokens, job / heads, job % heads);
            float[] dk = new float[tokens * dh], dv = new float[tokens * dh], dq = new float[dh];
            for (int t = 0; t < tokens; t++) {
                int at = hd.at(t);
                double lse = fwd.lse()[(hd.bi * tokens + t) * heads + hd.h];
                double delta = dot(dO, at, fwd.o(), at, dh);
                Arrays.fill(dq, 0f);
                for (int j = lo(t); j <= t; j++) {
                    double p = Math.exp(hd.score(t, j) - lse), dp = dot(dO, at, hd.v, j * dh, dh);
                    axpy((float) p, dO, at, dv, j * dh, dh);
                    float ds = (float) (p * (dp - delta) * hd.scale);
                    axpy(ds, hd.k, j * dh, dq, 0, dh);
                    axpy(ds, hd.q, t * dh, dk, j * dh, dh);
                }
                System.arraycopy(dq, 0, g.dq(), at, dh);
            }
            dkParts[job] = dk;
            dvParts[job] = dv;
        });
        // K and V are shared by a group's query heads: summed in head order, one (batch, KV head) per job
        int kvHeads = cfg.kvHeads(), group = cfg.group(), kvDim = cfg.kvDim();
        ops.parallelFor(batch * kvHeads, bk -> {
            int bi = bk / kvHeads, kvh = bk % kvHeads;
            for (int t = 0; t < tokens; t++) {
                int at = (bi * tokens + t) * kvDim + kvh * dh;
                for (int i = 0; i < dh; i++) {
                    double sk = 0, sv = 0;
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        sk += dkParts[bi * cfg.heads() + h][t * dh + i];
                        sv += dvParts[bi * cfg.heads() + h][t * dh + i];
                    }
                    g.dk()[at + i] = (float) sk;
                    g.dv()[at + i] = (float) sv;
                }
            }
        });
        return g;
    }

    /** {@code y[yOff ..] += a · x[xOff ..]} over n. */
    private static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }

    private static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[aOff + i] * b[bOff + i];
        return s;
    }
}
