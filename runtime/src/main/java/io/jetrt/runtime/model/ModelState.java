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
        log.info("state layout changed under a re-bound layer: rebuilding the state of {} sequence(s) from their {} tokens", batch, seen);
        for (int[] chunk : fed) model.run(snapshot, chunk, batch, this, false, null);
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
