package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.NaiveLinear;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Weights;

import java.util.Map;

/**
 * Causal GQA attention with RoPE, token by token in float32 (the spec in code, BLOCKS.md §4):
 * each token's key and value join the cache, then its query attends over everything the cache holds,
 * which for a sliding window is exactly the last {@code window} tokens including itself.
 */
final class AttentionReference implements Block {
    private final AttentionConfig cfg;
    private final AttentionWeights w;
    private final Rope rope;

    AttentionReference(AttentionConfig cfg, Weights weights) {
        this.cfg = cfg;
        this.w = new AttentionWeights(cfg, weights);
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int batch = x.dim(0), steps = x.dim(1), d = cfg.hidden(), dh = cfg.headDim();
        KvCache cache = new KvCache(cfg, state);
        float[] q = new float[cfg.qDim()], k = new float[cfg.kvDim()], v = new float[cfg.kvDim()];
        float[] o = new float[cfg.qDim()];
        float scale = (float) (1.0 / Math.sqrt(dh));
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                int pos = positions[b] + t;
                int xOff = (b * steps + t) * d;
                NaiveLinear.apply(w.q(), w.qBias(), x.data(), xOff, q, 0, cfg.qDim(), d);
                NaiveLinear.apply(w.k(), w.kBias(), x.data(), xOff, k, 0, cfg.kvDim(), d);
                NaiveLinear.apply(w.v(), w.vBias(), x.data(), xOff, v, 0, cfg.kvDim(), d);
                rope.apply(q, 0, cfg.heads(), pos);
                rope.apply(k, 0, cfg.kvHeads(), pos);
                cache.append(b, pos, k, 0, v, 0);
                int held = cache.held(pos + 1);
                for (int h = 0; h < cfg.heads(); h++) attend(cache, b, h / cfg.group(), held, q, h * dh, scale, o, h * dh);
                NaiveLinear.apply(w.o(), null, o, 0, y.data(), xOff, d, cfg.qDim());
            }
        }
    }

    /** Softmax attention of one query over the first {@code held} cache rows of one KV head. */
    private void attend(KvCache cache, int b, int kvh, int held, float[] q, int qOff, float scale, float[] out, int outOff) {
        int dh = cfg.headDim();
        float[] scores = new float[held];
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < held; j++) {
            int kOff = cache.offset(b, kvh, j);
            float s = 0f;
            for (int i = 0; i < dh; i++) s += q[qOff + i] * cache.keys[kOff + i];
            scores[j] = s * scale;
            max = Math.max(max, scores[j]);
        }
        float sum = 0f;
        for (int j = 0; j < held; j++) {
            scores[j] = (float) Math.exp(scores[j] - max);
            sum += scores[j];
        }
        for (int i = 0; i < dh; i++) out[outOff + i] = 0f;
        for (int j = 0; j < held; j++) {
            float p = scores[j] / sum;
            int vOff = cache.offset(b, kvh, j);
            for (int i = 0; i < dh; i++) out[outOff + i] += p * cache.values[vOff + i];
        }
    }

    @Override
    public Map<String, FloatTensor> exportState(BlockState state, int seen) {
        return AttentionState.export(cfg, state, seen);
    }
}
