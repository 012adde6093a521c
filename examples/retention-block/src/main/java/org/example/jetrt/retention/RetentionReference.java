package org.example.jetrt.retention;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Weights;

/**
 * The spec in code: retention token by token, head by head, in float32 with plain loops.
 * For each sequence b and token t, with {@code x_t [D]}:
 * <pre>
 *   q = W_q x_t [H·Dk],  k = W_k x_t [H·Dk],  v = W_v x_t [H·Dv],  g = W_g x_t [H·Dv]
 *   per head h:  S_h ← γ_h S_h + k_h v_hᵀ        S_h [Dk, Dv], the state row b
 *                o_h = S_hᵀ q_h · Dk^−0.5        [Dv]
 *                o_h ← o_h / sqrt(mean(o_h²) + 1e-6)
 *                u_h = swish(g_h) ⊙ o_h
 *   y_t = W_o u [D]
 * </pre>
 */
final class RetentionReference implements Block {
    private final RetentionConfig c;
    private final float[] wq, wk, wv, wg, wo;

    RetentionReference(RetentionConfig c, Weights w) {
        this.c = c;
        this.wq = w.get(RetentionProvider.Q).data();
        this.wk = w.get(RetentionProvider.K).data();
        this.wv = w.get(RetentionProvider.V).data();
        this.wg = w.get(RetentionProvider.G).data();
        this.wo = w.get(RetentionProvider.O).data();
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int steps = RetentionProvider.checkChunk("retention reference", c, x, positions, state, y);
        int d = c.hidden(), heads = c.heads(), dk = c.dk(), dv = c.dv();
        float[] s = state.get(RetentionProvider.STATE).data();
        float[] q = new float[c.keyDim()], k = new float[c.keyDim()], v = new float[c.valueDim()], g = new float[c.valueDim()];
        float[] o = new float[dv], u = new float[c.valueDim()];
        float scale = c.scale();
        for (int b = 0; b < x.dim(0); b++) {
            for (int t = 0; t < steps; t++) {
                int xOff = (b * steps + t) * d;
                matvec(wq, x.data(), xOff, q, 0, d, q.length);
                matvec(wk, x.data(), xOff, k, 0, d, k.length);
                matvec(wv, x.data(), xOff, v, 0, d, v.length);
                matvec(wg, x.data(), xOff, g, 0, d, g.length);
                for (int h = 0; h < heads; h++) {
                    int sOff = (b * heads + h) * dk * dv;
                    float gamma = c.gamma(h);
                    for (int i = 0; i < dk; i++) {
                        for (int j = 0; j < dv; j++) {
                            int at = sOff + i * dv + j;
                            s[at] = gamma * s[at] + k[h * dk + i] * v[h * dv + j];
                        }
                    }
                    for (int j = 0; j < dv; j++) {
                        float acc = 0f;
                        for (int i = 0; i < dk; i++) acc += s[sOff + i * dv + j] * q[h * dk + i];
                        o[j] = acc * scale;
                    }
                    float ms = 0f;
                    for (int j = 0; j < dv; j++) ms += o[j] * o[j];
                    float inv = (float) (1.0 / Math.sqrt(ms / dv + RetentionConfig.NORM_EPS));
                    for (int j = 0; j < dv; j++) {
                        float z = g[h * dv + j];
                        u[h * dv + j] = o[j] * inv * (z / (1f + (float) Math.exp(-z)));
                    }
                }
                matvec(wo, u, 0, y.data(), xOff, c.valueDim(), d);
            }
        }
    }

    /** {@code out[outOff + o] = w[o, k] · in}, o < n. */
    private static void matvec(float[] w, float[] in, int inOff, float[] out, int outOff, int k, int n) {
        for (int o = 0; o < n; o++) {
            float acc = 0f;
            for (int j = 0; j < k; j++) acc += w[o * k + j] * in[inOff + j];
            out[outOff + o] = acc;
        }
    }
}
