package io.jetrt.runtime.model;

import io.jetrt.spi.BlockState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode state of a batch of sequences through the whole model: one {@link BlockState} per layer and
 * the number of tokens each sequence has seen. Sized for {@code capacity} tokens per sequence.
 */
public final class ModelState {
    private final List<BlockState> layers;
    private final int[] positions;
    private final int capacity;

    ModelState(Model model, int batch, int capacity) {
        this.capacity = capacity;
        this.positions = new int[batch];
        this.layers = new ArrayList<>();
        for (Layer l : model.layers()) layers.add(new BlockState(batch, l.binding().provider().stateLayout(l.config(), capacity)));
    }

    public BlockState layer(int i) { return layers.get(i); }

    public int batch() { return positions.length; }

    public int capacity() { return capacity; }

    /** Tokens seen per sequence (a copy). */
    public int[] positions() { return positions.clone(); }

    void advance(int steps) {
        for (int b = 0; b < positions.length; b++) positions[b] += steps;
    }

    /** Bytes of state per sequence over all layers (float32), e.g. for reports. */
    public long bytesPerSequence() {
        long n = 0;
        for (BlockState s : layers) n += s.elements() / s.batch() * 4L;
        return n;
    }

    @Override public String toString() { return "ModelState" + Arrays.toString(positions); }
}
