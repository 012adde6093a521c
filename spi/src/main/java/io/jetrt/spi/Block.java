package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.Map;

/**
 * One block bound to one layer's weights and a backend. Stateless across calls: everything a sequence
 * carries lives in the {@link BlockState} the runtime passes in. Must be safe to call from one thread at
 * a time per state; different states may be used from different threads.
 */
// implemented by block bundles (each block's Reference and Cpu classes, blocks-common HostBridgedBlock, the example)
@ConsumerType
public interface Block {

    /**
     * Processes a chunk of {@code T} tokens for each of {@code B} sequences.
     *
     * @param x         input {@code [B, T, D]} (the layer's normalised hidden states)
     * @param positions {@code [B]}: tokens each sequence has already seen (its absolute start position)
     * @param state     the sequences' state, updated in place; zero for a fresh sequence
     * @param y         output {@code [B, T, D]}, overwritten
     */
    void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y);

    /** One token per sequence: {@code x, y [B, 1, D]}. Same contract as {@link #prefill}. */
    default void decode(FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        prefill(x, positions, state, y);
    }

    /**
     * The state in the upstream (Hugging Face / fla) layout, {@code [B, ...]} per slot, after
     * {@code seen} tokens: e.g. an attention KV cache trimmed to the tokens it holds. Used to compare
     * with reference files. The default returns the slots as they are.
     */
    default Map<String, FloatTensor> exportState(BlockState state, int seen) {
        return state.tensors();
    }
}
