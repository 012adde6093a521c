package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decode state of one block for a batch of sequences, owned by the runtime: one tensor
 * {@code [B, ...slot.shape]} per {@link StateSlot} of the provider's layout, zero at the start of a
 * sequence. A block reads and updates it in place; it keeps nothing of a sequence anywhere else, so the
 * runtime can hand the state to another implementation with the same layout.
 */
// a final class: nobody extends it, a new method is an addition
@ProviderType
public final class BlockState {
    private final int batch;
    private final List<StateSlot> layout;
    private final Map<String, FloatTensor> tensors = new LinkedHashMap<>();

    public BlockState(int batch, List<StateSlot> layout) {
        if (batch <= 0) throw new IllegalArgumentException("BlockState: batch must be > 0; got " + batch);
        this.batch = batch;
        this.layout = List.copyOf(layout);
        for (StateSlot s : layout) {
            int[] per = s.shape();
            int[] shape = new int[per.length + 1];
            shape[0] = batch;
            System.arraycopy(per, 0, shape, 1, per.length);
            tensors.put(s.name(), FloatTensor.zeros(shape));
        }
    }

    public int batch() { return batch; }

    public List<StateSlot> layout() { return layout; }

    /** The tensor {@code [B, ...shape]} of the named slot. */
    public FloatTensor get(String slot) {
        FloatTensor t = tensors.get(slot);
        if (t == null) throw new IllegalArgumentException("BlockState: no slot '" + slot + "'; slots are " + tensors.keySet());
        return t;
    }

    public Map<String, FloatTensor> tensors() { return Collections.unmodifiableMap(tensors); }

    /** Values held, over all slots and sequences. */
    public long elements() {
        long n = 0;
        for (FloatTensor t : tensors.values()) n += t.size();
        return n;
    }
}
