package io.jetrt.blocks.fullattn;

import java.util.Map;

/**
 * The attention forward of a whole sequence from an empty state (positions 0 … T−1) in float64, keeping what
 * {@link AttentionBackward} needs. The same math as {@link AttentionReference}, batched over time: query t of head h
 * attends the keys j of KV head h / group with {@code lo(t) ≤ j ≤ t}, lo(t) = 0, or t − window + 1 for a sliding window.
 *
 * <p>Weights by their declared names ({@code q_proj.weight [H·Dh, D]}, ... ; biases absent without {@code qkv_bias}).
 * The softmax probabilities are not kept: the backward recomputes them from q, k and the log-sum-exp.
 */
final class AttentionForward64 {
    final AttentionConfig cfg;
    final int batch, steps;
    final double[] x;   // [B, T, D]
    final double[] q;   // [B, T, H, Dh] after RoPE
    final double[] k;   // [B, T, Hkv, Dh] after RoPE
    final double[] v;   // [B, T, Hkv, Dh]
    final double[] lse; // [B, T, H]: log Σ_j exp(score_tj), so p_tj = exp(score_tj − lse_t)
    final double[] o;   // [B, T, H, Dh]: attention output, o_proj's input
    final double[] y;   // [B, T, D]

    AttentionForward64(AttentionConfig cfg, Map<String, double[]> w, double[] x, int batch, int steps) {
        this.cfg = cfg;
        this.batch = batch;
        this.steps = steps;
        this.x = x;
        int n = batch * steps, d = cfg.hidden(), dh = cfg.headDim();
        Rope rope = new Rope(dh, cfg.ropeTheta());
        q = Linear64.forward(x, w.get("q_proj.weight"), w.get("q_proj.bias"), n, d, cfg.qDim());
        k = Linear64.forward(x, w.get("k_proj.weight"), w.get("k_proj.bias"), n, d, cfg.kvDim());
        v = Linear64.forward(x, w.get("v_proj.weight"), w.get("v_proj.bias"), n, d, cfg.kvDim());
        for (int r = 0; r < n; r++) {
            int pos = r % steps;
            rope.apply(q, r * cfg.qDim(), cfg.heads(), pos, false);
            rope.apply(k, r * cfg.kvDim(), cfg.kvHeads(), pos, false);
        }
        lse = new double[n * cfg.heads()];
        o = new double[n * cfg.qDim()];
        double[] scores = new double[steps];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                for (int h = 0; h < cfg.heads(); h++) attend(b, t, h, scores);
            }
        }
        y = Linear64.forward(o, w.get("o_proj.weight"), null, n, cfg.qDim(), d);
    }

    /** The first key query {@code t} sees. */
    int lo(int t) { return cfg.sliding() ? Math.max(0, t - cfg.window() + 1) : 0; }

    double scale() { return 1.0 / Math.sqrt(cfg.headDim()); }

    int qOff(int b, int t, int h) { return ((b * steps + t) * cfg.heads() + h) * cfg.headDim(); }

    int kvOff(int b, int j, int kvh) { return ((b * steps + j) * cfg.kvHeads() + kvh) * cfg.headDim(); }

    /** {@code scale · q_t · k_j}, query head h against its KV head. */
    double score(int b, int t, int h, int j) {
        int qo = qOff(b, t, h), ko = kvOff(b, j, h / cfg.group());
        double s = 0;
        for (int i = 0; i < cfg.headDim(); i++) s += q[qo + i] * k[ko + i];
        return s * scale();
    }

    /** Softmax of query (b, t, h) over its keys: fills {@code lse} and {@code o}. */
    private void attend(int b, int t, int h, double[] scores) {
        int lo = lo(t), dh = cfg.headDim(), kvh = h / cfg.group();
        double max = Double.NEGATIVE_INFINITY;
        for (int j = lo; j <= t; j++) {
            scores[j] = score(b, t, h, j);
            max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = lo; j <= t; j++) sum += Math.exp(scores[j] - max);
        double l = max + Math.log(sum);
        lse[(b * steps + t) * cfg.heads() + h] = l;
        int oo = qOff(b, t, h);
        for (int j = lo; j <= t; j++) {
            double p = Math.exp(scores[j] - l);
            int vo = kvOff(b, j, kvh);
            for (int i = 0; i < dh; i++) o[oo + i] += p * v[vo + i];
        }
    }
}
