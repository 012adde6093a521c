package io.jetrt.runtime.model;

import io.jetrt.blocks.common.Activations;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.spi.CpuOps;

/**
 * The dense parts of a Qwen2-style decoder around the blocks: embedding {@code [V, D]}, per-layer
 * RMSNorms {@code [D]} and SwiGLU MLP ({@code gate, up [I, D]}, {@code down [D, I]}), final norm and the
 * head {@code [V, D]} (the embedding itself when tied).
 */
final class DenseModel {
    final ModelConfig cfg;
    final float[] embed;
    final float[] finalNorm;
    final float[] head;
    final float[][] inNorm, postNorm, gate, up, down;
    private final CpuOps ops;

    DenseModel(ModelConfig cfg, float[] embed, float[] finalNorm, float[] head, float[][] inNorm, float[][] postNorm,
               float[][] gate, float[][] up, float[][] down, CpuOps ops) {
        this.cfg = cfg;
        this.embed = embed;
        this.finalNorm = finalNorm;
        this.head = head;
        this.inNorm = inNorm;
        this.postNorm = postNorm;
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.ops = ops;
    }

    /** Rows of the embedding for {@code tokens} (ids in the vocabulary), into {@code h [rows, D]}. */
    void embed(int[] tokens, float[] h) {
        int d = cfg.hiddenSize();
        for (int r = 0; r < tokens.length; r++) System.arraycopy(embed, tokens[r] * d, h, r * d, d); // ids checked by Model
    }

    /** Jet-Nemotron RMSNorm in float32: {@code x · rsqrt(mean(x²) + eps) · w}, weight applied before any cast. */
    void rmsNorm(float[] x, float[] w, float[] out, int rows) {
        int d = cfg.hiddenSize();
        float eps = (float) cfg.rmsNormEps();
        ops.parallelFor(rows, r -> {
            int off = r * d;
            float ss = 0f;
            for (int i = 0; i < d; i++) ss += x[off + i] * x[off + i];
            float inv = (float) (1.0 / Math.sqrt(ss / d + eps));
            for (int i = 0; i < d; i++) out[off + i] = x[off + i] * inv * w[i];
        });
    }

    /** {@code h += down(silu(gate(u)) · up(u))} for {@code rows} rows. */
    void mlpResidual(int layer, float[] u, float[] h, int rows) {
        int d = cfg.hiddenSize(), inter = cfg.intermediateSize();
        float[] g = new float[rows * inter], a = new float[rows * inter], out = new float[rows * d];
        ops.linear(u, 0, gate[layer], 0, g, 0, rows, inter, d);
        ops.linear(u, 0, up[layer], 0, a, 0, rows, inter, d);
        ops.parallelFor(rows, r -> {
            for (int i = r * inter; i < (r + 1) * inter; i++) g[i] = Activations.silu(g[i]) * a[i];
        });
        ops.linear(g, 0, down[layer], 0, out, 0, rows, d, inter);
        for (int i = 0; i < rows * d; i++) h[i] += out[i];
    }

    CpuOps ops() { return ops; }

    /** Logits {@code [rows, V]} of final-normed rows. */
    float[] logits(float[] normed, int rows) {
        float[] out = new float[rows * cfg.vocabSize()];
        ops.linear(normed, 0, head, 0, out, 0, rows, cfg.vocabSize(), cfg.hiddenSize());
        return out;
    }
}
