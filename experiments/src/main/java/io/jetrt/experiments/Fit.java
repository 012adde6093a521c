package io.jetrt.experiments;

import io.jetrt.runtime.model.Model;

/**
 * Whether a workload fits a composed variant, and at which batch: the state of {@code batch} sequences at the
 * workload's context plus one step's activations of {@code batch} rows (a prefill chunk has at least one token
 * per sequence; the engine sizes larger chunks from what is left) must fit in the memory free now, less a margin.
 * On the GPU that is device memory (scratch already reserved counts as free: activations reuse it); on the CPU the heap.
 *
 * @param batch  the batch to run, or 0 when not even one sequence fits
 * @param note   why {@code batch} differs from the workload's (null when it does not)
 * @param needed bytes the workload's own batch (or one sequence, for the largest) would need
 * @param free   bytes there were
 */
record Fit(int batch, String note, long needed, long free) {
    /** Room left for what the estimate does not see (the allocator's rounding, the CUDA graph, GC headroom). */
    static final double MARGIN = 0.10;
    /** The largest batch "max" searches up to. */
    static final int MAX_BATCH = 1 << 16;

    boolean fits() { return batch > 0; }

    static Fit of(Model model, Workload w) {
        Model.Memory m = model.memory();
        long free = m.free() + m.scratchReserved();
        long budget = (long) (free - MARGIN * m.total());
        int capacity = w.context();
        if (!w.largest()) {
            long need = bytes(model, w.batch(), capacity);
            if (need <= budget) return new Fit(w.batch(), null, need, free);
            if (!w.capBatch()) return new Fit(0, null, need, free);
        }
        int limit = w.largest() ? MAX_BATCH : w.batch(), lo = 0, hi = limit;
        while (lo < hi) { // the largest b in [0, limit] with bytes(b) <= budget
            int mid = (int) (((long) lo + hi + 1) / 2);
            if (bytes(model, mid, capacity) <= budget) lo = mid;
            else hi = mid - 1;
        }
        long asked = bytes(model, w.largest() ? Math.max(lo, 1) : w.batch(), capacity);
        if (lo == 0) return new Fit(0, null, bytes(model, 1, capacity), free);
        String note = (w.largest() ? (lo == limit ? "the search's limit " + limit : "the largest batch that fits")
                : "capped from " + w.batch() + " (needs " + Format.bytes(asked) + ")")
                + ": " + lo + " sequences need " + Format.bytes(bytes(model, lo, capacity)) + " of " + Format.bytes(free) + " free";
        return new Fit(lo, note, asked, free);
    }

    /** State and KV cache of {@code batch} sequences at {@code capacity} tokens, and one decode step's activations of {@code batch} rows. */
    static long bytes(Model model, int batch, int capacity) {
        return model.stateBytes(batch, capacity) + batch * model.prefillBytesPerRow();
    }
}
