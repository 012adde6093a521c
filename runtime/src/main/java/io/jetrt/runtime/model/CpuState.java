package io.jetrt.runtime.model;

import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;

import java.util.Arrays;
import java.util.List;

/** The {@link CpuDecoder}'s state: each bound layer's {@link BlockState} on the heap (null for an unbound layer). */
final class CpuState implements DecoderState {
    private final BlockState[] layers;

    CpuState(List<Layer> bound, int batch, int capacity) {
        layers = new BlockState[bound.size()];
        for (int i = 0; i < layers.length; i++) {
            Layer l = bound.get(i);
            if (l.available()) layers[i] = new BlockState(batch, l.stateLayout(capacity));
        }
    }

    BlockState layer(int i) { return layers[i]; }

    /** Every value of every layer's state set to {@code value}. */
    void fill(float value) {
        for (BlockState s : layers) if (s != null) for (FloatTensor t : s.tensors().values()) Arrays.fill(t.data(), value);
    }

    @Override
    public long bytesPerSequence() {
        long n = 0;
        for (BlockState s : layers) if (s != null) n += s.elements() / s.batch() * Float.BYTES;
        return n;
    }

    @Override
    public void close() {}
}
