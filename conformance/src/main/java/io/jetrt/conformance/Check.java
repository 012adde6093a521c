package io.jetrt.conformance;

/** The checks of {@link BlockConformance}; each failure names one, so a report says which property broke. */
public enum Check {
    /** {@code initWeights} returns exactly the declared names and shapes, seeded, finite. */
    WEIGHTS("weights"),
    /** {@code stateLayout}: names non-empty and unique, dims positive, fixed or growing with capacity. */
    STATE_LAYOUT("state-layout"),
    /** prefill(T) = prefill(T1) + decodes = prefill(T1) + prefill(T − T1), outputs and final state. */
    CHUNKING("chunking"),
    /** Row b of a batch of 3 equals that row run alone. */
    BATCH_INDEPENDENCE("batch-independence"),
    /** A state copied into a fresh {@code BlockState} and continued by a fresh block gives the same results. */
    STATE_ROUND_TRIP("state-round-trip"),
    /** Outputs poisoned with NaN come back finite and fully written; the input is left as it was. */
    OUTPUTS("outputs"),
    /** Backends of one provider agree: reference vs CPU within 1e-4, CUDA vs CPU within 2e-2. */
    BACKEND_AGREEMENT("backend-agreement"),
    /** A trainable provider's forward equals its block's prefill, and its backward matches central differences. */
    GRADIENTS("gradients");

    private final String id;

    Check(String id) { this.id = id; }

    /** The name used in failure messages, e.g. {@code chunking}. */
    public String id() { return id; }

    @Override public String toString() { return id; }
}
