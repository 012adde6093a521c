package io.jetrt.runtime.engine;

import io.jetrt.runtime.cuda.OutOfDeviceMemoryException;
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

    /**
     * Device memory a prefill chunk leaves untouched, on top of its measured need: the chunk tails the scratch arena
     * skips, the cuBLAS workspace and allocator rounding, blocks whose scratch grows a little faster than the two-point
     * probe saw, and memory other processes take meanwhile. 1/32 of the device (4.4 GiB on an H200), at least 512 MiB.
     */
    public static long margin(long totalBytes) { return Math.max(512L << 20, totalBytes / 32); }

    /** {@link #maxRows(Model, long)} with nothing more to allocate. */
    public static int maxRows(Model model) { return maxRows(model, 0); }

    /**
     * Rows per prefill chunk that fit the memory free now: on the CPU {@link #DEFAULT_MAX_ROWS}; on cuda
     * {@code min(DEFAULT_MAX_ROWS, (free + scratchReserved − stillToAllocate − margin − fixed) / bytesPerRow)} from
     * {@link Model#memory} and {@link Model#prefillCost} (measured on the first call), at least 1.
     *
     * @param stillToAllocate device bytes the caller will allocate before the prefill runs (e.g. {@link Model#stateBytes}
     *                        of a state not made yet); 0 when the state exists already
     * @throws OutOfDeviceMemoryException when not even one row fits, naming the model and the bytes
     */
    public static int maxRows(Model model, long stillToAllocate) {
        if (!model.backend().equals("cuda")) return DEFAULT_MAX_ROWS;
        Model.PrefillCost cost = model.prefillCost();
        Model.Memory m = model.memory();
        long available = m.free() + m.scratchReserved() - stillToAllocate - margin(m.total());
        long need = cost.fixedBytes() + cost.bytesPerRow();
        if (available < need) {
            throw new OutOfDeviceMemoryException("prefill of model " + model.config().source() + " (one row: "
                    + cost.fixedBytes() + " fixed + " + cost.bytesPerRow() + " per row, plus a margin of " + margin(m.total())
                    + " and " + stillToAllocate + " still to allocate; " + m.free() + " free, " + m.scratchReserved() + " scratch reserved)",
                    need + margin(m.total()) + stillToAllocate, m.free() + m.scratchReserved());
        }
        return (int) Math.min(DEFAULT_MAX_ROWS, (available - cost.fixedBytes()) / cost.bytesPerRow());
    }

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
