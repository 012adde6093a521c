package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;

/** Small helpers for GPU block launchers: column views, null pointer arguments, grid sizes. */
public final class DeviceTensors {
    private DeviceTensors() {}

    /** The F32 tensor {@code t} seen from element {@code offset} on (a column offset of a row-major matrix). */
    public static DeviceTensor at(DeviceTensor t, int offset) {
        if (offset == 0) return t;
        return new DeviceTensor(t.address() + 4L * offset, DType.F32, new int[] {Math.toIntExact(t.elements() - offset)});
    }

    /** The F32 elements {@code [offset, offset + Πshape)} of {@code t} as a tensor of that shape. */
    public static DeviceTensor view(DeviceTensor t, long offset, int... shape) {
        DeviceTensor v = new DeviceTensor(t.address() + 4L * offset, DType.F32, shape);
        if (t.dtype() != DType.F32 || offset < 0 || offset + v.elements() > t.elements()) {
            throw new IndexOutOfBoundsException("DeviceTensors.view: [" + offset + ", " + (offset + v.elements()) + ") of " + t);
        }
        return v;
    }

    /** A pointer argument that may be null: the tensor, or a 0 address as a 64-bit value. */
    public static Object orNull(DeviceTensor t) { return t == null ? (Object) 0L : t; }

    public static int ceilDiv(long n, int d) { return Math.toIntExact((n + d - 1) / d); }

    /** Blocks of {@code threads} for a grid-stride kernel over {@code n} elements: enough to cover them, at most 65536. */
    public static int gridFor(long n, int threads) { return (int) Math.max(1, Math.min(65536, (n + threads - 1) / threads)); }
}
