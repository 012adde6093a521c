package io.jetrt.blocks.fullattn;

import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** The cache in the upstream layout: {@code [B, Hkv, held, Dh]}, trimmed to the tokens it holds. */
final class AttentionState {
    private AttentionState() {}

    static Map<String, FloatTensor> export(AttentionConfig cfg, BlockState state, int seen) {
        KvCache cache = new KvCache(cfg, state);
        int held = cache.held(seen), dh = cfg.headDim(), batch = state.batch();
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (String name : new String[] {KvCache.KEYS, KvCache.VALUES}) {
            float[] src = name.equals(KvCache.KEYS) ? cache.keys : cache.values;
            FloatTensor t = FloatTensor.zeros(batch, cfg.kvHeads(), held, dh);
            for (int b = 0; b < batch; b++) {
                for (int kvh = 0; kvh < cfg.kvHeads(); kvh++) {
                    System.arraycopy(src, cache.offset(b, kvh, 0), t.data(), ((b * cfg.kvHeads() + kvh) * held) * dh, held * dh);
                }
            }
            out.put(name, t);
        }
        return out;
    }
}
