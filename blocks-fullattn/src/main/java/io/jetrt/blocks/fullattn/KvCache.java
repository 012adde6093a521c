package io.jetrt.blocks.fullattn;

import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

/**
 * The key/value cache of one layer inside a {@link BlockState}: {@code key_cache, value_cache
 * [B, Hkv, L, Dh]}, keys stored after RoPE. Full attention writes token p at row p (L = capacity);
 * sliding window keeps the last {@code window} tokens oldest first (L = window), shifting left when full,
 * which is the upstream layout (so the state compares directly with reference files).
 */
final class KvCache {
    static final String KEYS = "key_cache";
    static final String VALUES = "value_cache";

    private final AttentionConfig cfg;
    final float[] keys;
    final float[] values;
    final int length;

    KvCache(AttentionConfig cfg, BlockState state) {
        this.cfg = cfg;
        FloatTensor k = state.get(KEYS);
        this.keys = k.data();
        this.values = state.get(VALUES).data();
        this.length = k.dim(2);
    }

    /** Tokens held for a sequence that has seen {@code pos} tokens. */
    int held(int pos) { return cfg.sliding() ? Math.min(pos, cfg.window()) : pos; }

    /** Offset of row {@code row} of KV head {@code kvh} of sequence {@code b}. */
    int offset(int b, int kvh, int row) {
        return ((b * cfg.kvHeads() + kvh) * length + row) * cfg.headDim();
    }

    /**
     * Appends {@code steps} tokens of sequence {@code b}, whose keys and values are rows {@code off0 + t·stride}
     * ({@code [Hkv·Dh]} each), after {@code pos} tokens. A full sliding window is shifted once for the whole
     * chunk, not once per token (a 4K prompt would otherwise move the window 4K times per layer).
     */
    void appendChunk(int b, int pos, int steps, float[] k, float[] v, int off0, int stride) {
        int held = held(pos), window = cfg.window();
        if (!cfg.sliding() || held + steps <= window) {
            for (int t = 0; t < steps; t++) append(b, pos + t, k, off0 + t * stride, v, off0 + t * stride);
            return;
        }
        int dh = cfg.headDim(), fromChunk = Math.min(steps, window), keepOld = window - fromChunk;
        for (int kvh = 0; kvh < cfg.kvHeads(); kvh++) {
            int base = offset(b, kvh, 0);
            System.arraycopy(keys, base + (held - keepOld) * dh, keys, base, keepOld * dh);
            System.arraycopy(values, base + (held - keepOld) * dh, values, base, keepOld * dh);
            for (int i = 0; i < fromChunk; i++) {
                int src = off0 + (steps - fromChunk + i) * stride + kvh * dh, dst = base + (keepOld + i) * dh;
                System.arraycopy(k, src, keys, dst, dh);
                System.arraycopy(v, src, values, dst, dh);
            }
        }
    }

    /**
     * Appends one token's post-RoPE key and value ({@code [Hkv·Dh]} at the given offsets) for a sequence
     * that has seen {@code pos} tokens before it.
     */
    void append(int b, int pos, float[] k, int kOff, float[] v, int vOff) {
        int dh = cfg.headDim();
        int row = held(pos);
        if (cfg.sliding() && row == cfg.window()) {
            for (int kvh = 0; kvh < cfg.kvHeads(); kvh++) {
                int base = offset(b, kvh, 0);
                System.arraycopy(keys, base + dh, keys, base, (length - 1) * dh);
                System.arraycopy(values, base + dh, values, base, (length - 1) * dh);
            }
            row = cfg.window() - 1;
        } else if (row >= length) {
            throw new IllegalStateException("attention: sequence " + b + " reached position " + pos
                    + " but the KV cache holds " + length + " tokens (the capacity asked for)");
        }
        for (int kvh = 0; kvh < cfg.kvHeads(); kvh++) {
            int dst = offset(b, kvh, row);
            System.arraycopy(k, kOff + kvh * dh, keys, dst, dh);
            System.arraycopy(v, vOff + kvh * dh, values, dst, dh);
        }
    }
}
