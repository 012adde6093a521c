package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link BlockState} on the GPU: one float32 tensor {@code [B, ...slot.shape]} per {@link StateSlot},
 * allocated and zeroed by the runtime, read and updated in place by a {@link DeviceBlock}.
 *
 * @since 1.1
 */
// a final class: nobody extends it, a new method is an addition
@ProviderType
public final class DeviceState {
    private final int batch;
    private final List<StateSlot> layout;
    private final Map<String, DeviceTensor> tensors;

    /** The runtime makes these; {@code tensors} must hold one tensor per slot of {@code layout}, {@code [batch, ...shape]}. */
    public DeviceState(int batch, List<StateSlot> layout, Map<String, DeviceTensor> tensors) {
        this.batch = batch;
        this.layout = List.copyOf(layout);
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        for (StateSlot s : layout) {
            DeviceTensor t = tensors.get(s.name());
            int[] per = s.shape();
            int[] want = new int[per.length + 1];
            want[0] = batch;
            System.arraycopy(per, 0, want, 1, per.length);
            if (t == null || !t.sameShape(want) || t.dtype() != DType.F32) {
                throw new IllegalArgumentException("DeviceState: slot '" + s.name() + "' needs F32" + java.util.Arrays.toString(want) + "; got " + t);
            }
        }
    }

    public int batch() { return batch; }

    public List<StateSlot> layout() { return layout; }

    /** The tensor {@code [B, ...shape]} of the named slot. */
    public DeviceTensor get(String slot) {
        DeviceTensor t = tensors.get(slot);
        if (t == null) throw new IllegalArgumentException("DeviceState: no slot '" + slot + "'; slots are " + tensors.keySet());
        return t;
    }

    public Map<String, DeviceTensor> tensors() { return tensors; }
}
