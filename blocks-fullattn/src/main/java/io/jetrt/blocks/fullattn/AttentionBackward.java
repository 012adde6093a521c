package io.jetrt.blocks.fullattn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gradients of {@code L = Σ dy · y} for the forward {@link AttentionForward64} kept, in float64 (the reference
 * backward). Per query (b, t, h), with p_tj its softmax row and dO_t = ∂L/∂o_t (o_proj's backward):
 * <pre>
 *   dv_j += p_tj · dO_t                      (into the KV head: the group's query heads sum)
 *   ds_tj = p_tj · (dO_t · v_j − dO_t · o_t)  (softmax backward; Σ_j p_tj dO_t·v_j = dO_t·o_t)
 *   dq_t += scale · ds_tj · k_j,   dk_j += scale · ds_tj · q_t
 * </pre>
 * then dq and dk rotate back (RoPE's backward is the inverse rotation) and the q/k/v projections' backward.
 */
final class AttentionBackward {
    private AttentionBackward() {}

    /** {@code dx [B, T, D]} and one gradient per weight, by the names the forward read its weights under. */
    record Result(double[] dx, Map<String, double[]> weights) {}

    static Result run(AttentionForward64 f, Map<String, double[]> w, double[] dy) {
        AttentionConfig c = f.cfg;
        int n = f.batch * f.steps, d = c.hidden();
        Map<String, double[]> g = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : w.entrySet()) g.put(e.getKey(), new double[e.getValue().length]);
        double[] dO = new double[n * c.qDim()];                          // [B, T, H, Dh]
        Linear64.backward(f.o, w.get("o_proj.weight"), dy, n, c.qDim(), d, dO, g.get("o_proj.weight"), null);
        double[] dq = new double[n * c.qDim()], dk = new double[n * c.kvDim()], dv = new double[n * c.kvDim()];
        for (int b = 0; b < f.batch; b++) {
            for (int t = 0; t < f.steps; t++) {
                for (int h = 0; h < c.heads(); h++) attendBackward(f, b, t, h, dO, dq, dk, dv);
            }
        }
        Rope rope = new Rope(c.headDim(), c.ropeTheta());
        for (int r = 0; r < n; r++) {
            int pos = r % f.steps;
            rope.apply(dq, r * c.qDim(), c.heads(), pos, true);
            rope.apply(dk, r * c.kvDim(), c.kvHeads(), pos, true);
        }
        double[] dx = new double[n * d];
        Linear64.backward(f.x, w.get("q_proj.weight"), dq, n, d, c.qDim(), dx, g.get("q_proj.weight"), g.get("q_proj.bias"));
        Linear64.backward(f.x, w.get("k_proj.weight"), dk, n, d, c.kvDim(), dx, g.get("k_proj.weight"), g.get("k_proj.bias"));
        Linear64.backward(f.x, w.get("v_proj.weight"), dv, n, d, c.kvDim(), dx, g.get("v_proj.weight"), g.get("v_proj.bias"));
        return new Result(dx, g);
    }

    /** One query's softmax row, backwards: adds into dq (its own row) and dk, dv (the rows of the keys it saw). */
    private static void attendBackward(AttentionForward64 f, int b, int t, int h, double[] dO, double[] dq, double[] dk, double[] dv) {
        int dh = f.cfg.headDim(), kvh = h / f.cfg.group(), qo = f.qOff(b, t, h);
        double lse = f.lse[(b * f.steps + t) * f.cfg.heads() + h], scale = f.scale();
        double delta = 0;                                                // dO_t · o_t
        for (int i = 0; i < dh; i++) delta += dO[qo + i] * f.o[qo + i];
        for (int j = f.lo(t); j <= t; j++) {
            double p = Math.exp(f.score(b, t, h, j) - lse);
            int ko = f.kvOff(b, j, kvh);
            double dp = 0;
            for (int i = 0; i < dh; i++) {
                dp += dO[qo + i] * f.v[ko + i];
                dv[ko + i] += p * dO[qo + i];
            }
            double ds = p * (dp - delta) * scale;
            for (int i = 0; i < dh; i++) {
                dq[qo + i] += ds * f.k[ko + i];
                dk[ko + i] += ds * f.q[qo + i];
            }
        }
    }
}
