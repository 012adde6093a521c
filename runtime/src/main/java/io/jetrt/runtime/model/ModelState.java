package io.jetrt.runtime.model;

import io.jetrt.spi.StateSlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode state of a batch of sequences through the whole model: the bindings it was built for, the
 * decoder's state of every layer ({@link DecoderState}: host arrays or device memory), the tokens each sequence
 * has seen, and those tokens themselves. When a layer is re-bound, the state follows the new provider if the
 * state layout is the same; otherwise it is rebuilt by running the tokens seen so far through the new bindings,
 * so a generation never loses a token and no old implementation runs after its bundle is gone.
 */
public final class ModelState implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelState.class);

    private final Model model;
    private final int capacity;
    private final int batch;
    private Layer[] bound;
    private List<StateSlot>[] layouts;
    private DecoderState state;
    private int[] positions;
    /** Every chunk fed so far, each {@code [B, T_chunk]} row-major, in order: replaying them rebuilds the state. */
    private final List<int[]> fed = new ArrayList<>();
    /** Tokens the state was filled as if it had seen ({@link #fillSynthetic}), or 0: a rebuild fills again before replaying {@link #fed}. */
    private int synthetic;

    ModelState(Model model, int batch, int capacity) {
        this.model = model;
        this.capacity = capacity;
        this.batch = batch;
        reset(model.layers());
    }

    DecoderState decoderState() { return state; }

    public int batch() { return batch; }

    public int capacity() { return capacity; }

    /** Tokens seen per sequence (a copy). */
    public int[] positions() { return positions.clone(); }

    void advance(int steps) {
        for (int b = 0; b < positions.length; b++) positions[b] += steps;
    }

    void record(int[] tokens) { fed.add(tokens.clone()); }

    /** Moves to {@code snapshot}'s bindings before a step (caller holds the step gate). */
    void follow(List<Layer> snapshot) {
        boolean rebuild = false;
        for (Layer cur : snapshot) {
            int i = cur.index();
            if (bound[i] == cur) continue;
            if (bound[i] != null && layouts[i] != null && layouts[i].equals(cur.stateLayout(capacity))) {
                log.info("layer {}: sequences continue on {} (same state layout)", i, cur.binding());
                bound[i] = cur;
            } else {
                rebuild = true;
            }
        }
        if (!rebuild) return;
        int seen = positions[0];
        reset(snapshot);
        if (seen == 0) return;
        if (synthetic > 0) {
            log.info("state layout changed under a re-bound layer: filling the state of {} sequence(s) with synthetic values for {} tokens"
                    + " again, then replaying the {} tokens fed since", batch, synthetic, seen - synthetic);
            fillNow(synthetic);
        } else {
            log.info("state layout changed under a re-bound layer: rebuilding the state of {} sequence(s) from their {} tokens", batch, seen);
        }
        for (int[] chunk : fed) model.run(snapshot, chunk, batch, this, false, null);
    }

    /**
     * Makes a fresh state look as if each sequence had seen {@code tokens} tokens, without running them: every value of
     * every layer's state (recurrent states, convolution windows, KV caches, sliding windows included) is set to
     * {@value #SYNTHETIC_VALUE}, and the positions to {@code tokens}. For decode measurements at long contexts without
     * paying for the prefill: a step's time does not depend on the values in the state, only on its sizes and the positions.
     *
     * <p>Why a small constant: every slot of every block we ship (jetblock, gated DeltaNet, Mamba2, full and
     * sliding-window attention, the retention example) is float32 data read as values, never as a counter, length or
     * index (a KV cache's filled length and a sliding window's start come from the positions), so no value can index
     * out of range; and a small value keeps every update finite: decayed recurrent states stay near it, attention
     * scores over constant keys stay small, and it is far from the subnormal range that slows some CPUs. The tokens
     * fed so far are forgotten (there were none); should a re-bound layer's new state layout force a rebuild, the state
     * is filled again and only the tokens fed after the fill are replayed.
     *
     * @throws IllegalStateException    when the state has seen tokens already
     * @throws IllegalArgumentException unless {@code 0 < tokens < capacity}
     */
    public void fillSynthetic(int tokens) {
        if (tokens < 1 || tokens >= capacity) {
            throw new IllegalArgumentException("fillSynthetic: tokens must be in [1, " + capacity + ") (the state's capacity); got " + tokens);
        }
        for (int p : positions) {
            if (p != 0) throw new IllegalStateException("fillSynthetic: the state must be fresh; its sequences have seen " + Arrays.toString(positions));
        }
        model.fillSynthetic(this, tokens);
    }

    /** The value every state element gets from {@link #fillSynthetic}. */
    public static final float SYNTHETIC_VALUE = 0.01f;

    /** {@link #fillSynthetic} on the bindings followed already (caller holds the step gate). */
    void fill(int tokens) {
        fed.clear();
        fillNow(tokens);
    }

    private void fillNow(int tokens) {
        model.fillState(this, SYNTHETIC_VALUE);
        Arrays.fill(positions, tokens);
        synthetic = tokens;
    }

    @SuppressWarnings("unchecked") // an array of lists: one layout per layer
    private void reset(List<Layer> layers) {
        bound = layers.toArray(new Layer[0]);
        layouts = new List[bound.length];
        for (int i = 0; i < bound.length; i++) layouts[i] = bound[i].available() ? bound[i].stateLayout(capacity) : null;
        if (state != null) state.close();
        state = null;
        state = model.decoder().newState(layers, batch, capacity);
        positions = new int[batch];
    }

    /** Frees the decoder's state (device memory on the GPU). */
    @Override
    public void close() {
        if (state != null) state.close();
        state = null;
    }

    /** Bytes of state per sequence over all layers (float32), e.g. for reports. */
    public long bytesPerSequence() { return state.bytesPerSequence(); }

    @Override public String toString() { return "ModelState" + Arrays.toString(positions); }
}
