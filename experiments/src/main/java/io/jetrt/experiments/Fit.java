package io.jetrt.experiments;

import io.jetrt.runtime.model.Model;

/**
 * Whether a workload fits a composed variant, and at which batch: the state of {@code batch} sequences at the
 * workload's context plus one step's activations and logits of {@code batch} rows (a prefill chunk has at least one
 * token per sequence; the engine sizes larger chunks from what is left) must fit in the memory free now, less a margin.
 * On the GPU that is device memory (scratch already reserved counts as free: activations reuse it); on the CPU the heap.
 *
 * @param batch  the batch to run, or 0 when not even one sequence fits
 * @param note   why {@code batch} differs from the workload's (null when it does not)
 * @param needed bytes the workload's own batch (or one sequence, for the largest) would need
 * @param free   bytes there were
 */
record Fit(int batch, String note, long needed, long free) {
    /** Room left for what the estimate does not see: on the GPU the allocator's rounding and the CUDA graph, of the device. */
    static final double DEVICE_MARGIN = 0.10;
    /** On the CPU, of the heap: the garbage collector needs room to work in beside the live states. */
    static final double HEAP_MARGIN = 0.25;
    /** The largest batch "max" searches up to. */
    static final int MAX_BATCH = 1 << 16;

    boolean fits() { return batch > 0; }

    /** Why a row that does not fit is skipped. */
    String whyNot(Workload w) {
        return "does not fit: " + (w.largest() ? "one sequence" : w.batch() + " sequences") + " at " + w.context() + " tokens need "
                + Format.bytes(needed) + ", " + Format.bytes(free) + " free";
    }

    static Fit of(Model model, Workload w) {
        if (!model.backend().equals("cuda")) System.gc(); // garbage is not in use: the heap's free memory counts only what is live
        Model.Memory m = model.memory();
        long free = m.free() + m.scratchReserved();
        long budget = (long) (free - (model.backend().equals("cuda") ? DEVICE_MARGIN : HEAP_MARGIN) * m.total());
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

    /**
     * State and KV cache of {@code batch} sequences at {@code capacity} tokens, and one step's activations of {@code batch}
     * rows with their logits (a decode step keeps every sequence's; the prefill cost counts one sequence's).
     */
    static long bytes(Model model, int batch, int capacity) {
        Model.PrefillCost cost = model.prefillCost();
        long logits = (long) Float.BYTES * model.config().vocabSize();
        return model.stateBytes(batch, capacity) + cost.fixedBytes() + batch * (cost.bytesPerRow() + logits);
    }
}
