package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.Linear;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.Map;

/**
 * Fast CPU attention: projections for the whole chunk through the runtime's GEMM; in prefill the scores
 * {@code Q·Kᵀ} and the mix {@code P·V} of each head are GEMMs over blocks of queries; in decode (one token)
 * each (sequence, head) pair is a short dot-product loop on a worker. Equals {@link AttentionReference}.
 */
final class AttentionCpu implements Block {
    /** Queries per score block: bounds the [rows, L] score matrix to a few MiB at long contexts. */
    private static final int QUERY_BLOCK = 256;

    private final AttentionConfig cfg;
    private final AttentionWeights w;
    private final Rope rope;
    private final CpuOps ops;

    AttentionCpu(AttentionConfig cfg, Weights weights, CpuOps ops) {
        this.cfg = cfg;
        this.w = new AttentionWeights(cfg, weights);
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
        this.ops = ops;
    }

    @Override
    public void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        int batch = x.dim(0), steps = x.dim(1), rows = batch * steps, d = cfg.hidden();
        float[] q = Linear.apply(ops, x.data(), rows, d, w.q(), w.qBias(), cfg.qDim());
        float[] k = Linear.apply(ops, x.data(), rows, d, w.k(), w.kBias(), cfg.kvDim());
        float[] v = Linear.apply(ops, x.data(), rows, d, w.v(), w.vBias(), cfg.kvDim());
        ops.parallelFor(rows, r -> {
            long pos = positions[r / steps] + r % steps;
            rope.apply(q, r * cfg.qDim(), cfg.heads(), pos);
            rope.apply(k, r * cfg.kvDim(), cfg.kvHeads(), pos);
        });
        KvCache cache = new KvCache(cfg, state);
        float[] o = new float[rows * cfg.qDim()];
        if (steps == 1) {
            for (int b = 0; b < batch; b++) cache.append(b, positions[b], k, b * cfg.kvDim(), v, b * cfg.kvDim());
            ops.parallelFor(batch * cfg.heads(), bh -> decodeHead(cache, bh / cfg.heads(), bh % cfg.heads(), positions, q, o));
        } else {
            for (int b = 0; b < batch; b++) prefillSequence(cache, b, steps, positions[b], q, k, v, o);
        }
        ops.linear(o, 0, w.o(), 0, y.data(), 0, rows, d, cfg.qDim());
    }

    /** One sequence of a prefill chunk: keys are the cache's past rows followed by the chunk's own. */
    private void prefillSequence(KvCache cache, int b, int steps, int pos, float[] q, float[] k, float[] v, float[] o) {
        int dh = cfg.headDim(), past = cache.held(pos), len = past + steps, first = pos - past;
        float scale = (float) (1.0 / Math.sqrt(dh));
        for (int kvh = 0; kvh < cfg.kvHeads(); kvh++) {
            float[] keys = new float[len * dh];
            float[] valuesT = new float[dh * len]; // [Dh, L]: P·V is then linear(P, Vᵀ)
            gather(cache, b, kvh, past, steps, k, v, keys, valuesT, len);
            for (int h = kvh * cfg.group(); h < (kvh + 1) * cfg.group(); h++) {
                for (int t0 = 0; t0 < steps; t0 += QUERY_BLOCK) {
                    int n = Math.min(QUERY_BLOCK, steps - t0);
                    float[] qh = new float[n * dh];
                    for (int t = 0; t < n; t++) {
                        int src = ((b * steps + t0 + t) * cfg.heads() + h) * dh;
                        for (int i = 0; i < dh; i++) qh[t * dh + i] = q[src + i] * scale;
                    }
                    float[] p = new float[n * len];
                    ops.linear(qh, 0, keys, 0, p, 0, n, len, dh);
                    for (int t = 0; t < n; t++) softmaxRow(p, t * len, len, pos + t0 + t, first);
                    float[] oh = new float[n * dh];
                    ops.linear(p, 0, valuesT, 0, oh, 0, n, dh, len);
                    for (int t = 0; t < n; t++) {
                        System.arraycopy(oh, t * dh, o, ((b * steps + t0 + t) * cfg.heads() + h) * dh, dh);
                    }
                }
            }
        }
        cache.appendChunk(b, pos, steps, k, v, b * steps * cfg.kvDim(), cfg.kvDim());
    }

    /** Past cache rows then the chunk's keys [L, Dh], and values transposed [Dh, L], for one KV head. */
    private void gather(KvCache cache, int b, int kvh, int past, int steps, float[] k, float[] v,
                        float[] keys, float[] valuesT, int len) {
        int dh = cfg.headDim();
        System.arraycopy(cache.keys, cache.offset(b, kvh, 0), keys, 0, past * dh);
        for (int j = 0; j < past; j++) {
            int src = cache.offset(b, kvh, j);
            for (int i = 0; i < dh; i++) valuesT[i * len + j] = cache.values[src + i];
        }
        for (int t = 0; t < steps; t++) {
            int src = (b * steps + t) * cfg.kvDim() + kvh * dh;
            System.arraycopy(k, src, keys, (past + t) * dh, dh);
            for (int i = 0; i < dh; i++) valuesT[i * len + past + t] = v[src + i];
        }
    }

    /** Masks keys outside the causal (and sliding) range of the query at {@code queryPos}, then softmax. */
    private void softmaxRow(float[] p, int off, int len, int queryPos, int firstKeyPos) {
        int lo = cfg.sliding() ? queryPos - cfg.window() + 1 : 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            int keyPos = firstKeyPos + j;
            if (keyPos > queryPos || keyPos < lo) p[off + j] = Float.NEGATIVE_INFINITY;
            else max = Math.max(max, p[off + j]);
        }
        float sum = 0f;
        for (int j = 0; j < len; j++) {
            float e = p[off + j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(p[off + j] - max);
            p[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < len; j++) p[off + j] *= inv;
    }

    /** One decode token of sequence b, query head h, over everything the cache holds (its own key included). */
    private void decodeHead(KvCache cache, int b, int h, int[] positions, float[] q, float[] o) {
        int dh = cfg.headDim(), kvh = h / cfg.group(), held = cache.held(positions[b] + 1);
        int qOff = (b * cfg.heads() + h) * dh;
        float scale = (float) (1.0 / Math.sqrt(dh));
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
        Arrays.fill(o, qOff, qOff + dh, 0f);
        for (int j = 0; j < held; j++) {
            float p = scores[j] / sum;
            int vOff = cache.offset(b, kvh, j);
            for (int i = 0; i < dh; i++) o[qOff + i] += p * cache.values[vOff + i];
        }
    }

    @Override
    public Map<String, FloatTensor> exportState(BlockState state, int seen) {
        return AttentionState.export(cfg, state, seen);
    }
}
