package io.jetrt.runtime.engine;

import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

/**
 * Feeds prompts into a state in chunks, so that a long prompt at a large batch never asks for activations of all
 * its tokens at once: each chunk is {@code [B, c]} with {@code B × c ≤ maxRows} (at least one token per sequence).
 */
public final class Prefill {
    /** Rows per chunk when the caller has no reason to choose: 16K rows of activations fit any model we run. */
    public static final int DEFAULT_MAX_ROWS = 16_384;

    private Prefill() {}

    /** Tokens per sequence in one chunk of a batch of {@code batch}. */
    public static int chunkLength(int batch, int promptLen, int maxRows) {
        return Math.max(1, Math.min(promptLen, maxRows / batch));
    }

    /**
     * Runs {@code prompt [B, T]} (row-major) through {@code model}, continuing {@code state}; returns the logits of each
     * sequence's last position {@code [B, 1, V]}.
     */
    public static FloatTensor chunked(Model model, int[] prompt, int batch, ModelState state, int maxRows) {
        int len = prompt.length / batch, chunk = chunkLength(batch, len, maxRows);
        if (chunk == len) return model.forward(prompt, batch, state, false, null);
        FloatTensor logits = null;
        for (int from = 0; from < len; from += chunk) {
            logits = model.forward(columns(prompt, batch, from, Math.min(chunk, len - from)), batch, state, false, null);
        }
        return logits;
    }

    /** Positions {@code [from, from + n)} of every sequence of {@code tokens [B, T]}, as {@code [B, n]}. */
    public static int[] columns(int[] tokens, int batch, int from, int n) {
        int len = tokens.length / batch;
        int[] part = new int[batch * n];
        for (int b = 0; b < batch; b++) System.arraycopy(tokens, b * len + from, part, b * n, n);
        return part;
    }
}
