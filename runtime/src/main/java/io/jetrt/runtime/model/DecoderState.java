package io.jetrt.runtime.model;

/** A {@link Decoder}'s per-sequence state of every layer, for one batch: host arrays or device memory. */
interface DecoderState extends AutoCloseable {

    /** Bytes of state per sequence over all layers (float32), e.g. for reports. */
    long bytesPerSequence();

    /** Frees what the state holds (device memory); a no-op on the CPU. */
    @Override
    void close();
}
