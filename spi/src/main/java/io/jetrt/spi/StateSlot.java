package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Arrays;

/**
 * One tensor of a block's decode state, per sequence (the batch axis is not included): e.g. a JetBlock's
 * {@code recurrent_state [H, Dk, Dv]} or an attention layer's {@code key_cache [Hkv, L, Dh]} where L is
 * the capacity the runtime asked for. Two providers whose slots are equal can take over each other's state.
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record StateSlot(String name, DType dtype, int[] shape) {
    public StateSlot {
        shape = shape.clone();
    }

    public static StateSlot f32(String name, int... shape) { return new StateSlot(name, DType.F32, shape); }

    @Override public int[] shape() { return shape.clone(); }

    /** Values per sequence. */
    public long elements() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override public boolean equals(Object o) {
        return o instanceof StateSlot s && name.equals(s.name) && dtype == s.dtype && Arrays.equals(shape, s.shape);
    }

    @Override public int hashCode() { return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return name + Arrays.toString(shape) + " " + dtype; }
}
