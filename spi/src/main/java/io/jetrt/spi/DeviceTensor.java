package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Arrays;

/**
 * A row-major tensor in GPU memory: a device address, an element type and a shape. Made by the runtime
 * ({@link GpuOps}); a block passes {@link #address()} to its kernels. A view ({@link #slice}, {@link #reshape})
 * shares the memory of the tensor it came from and lives as long as that one.
 *
 * @since 1.1
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record DeviceTensor(long address, DType dtype, int[] shape) {

    public DeviceTensor {
        if (address == 0) throw new IllegalArgumentException("DeviceTensor: null device address");
        shape = shape.clone();
        for (int s : shape) if (s <= 0) throw new IllegalArgumentException("DeviceTensor: dimensions must be > 0; got " + Arrays.toString(shape));
    }

    @Override public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    public long elements() {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    public long bytes() { return elements() * dtype.bytes(); }

    /** The same memory seen with another shape of the same element count. */
    public DeviceTensor reshape(int... newShape) {
        DeviceTensor t = new DeviceTensor(address, dtype, newShape);
        if (t.elements() != elements()) {
            throw new IllegalArgumentException("DeviceTensor.reshape: " + Arrays.toString(shape) + " has " + elements()
                    + " elements; " + Arrays.toString(newShape) + " has " + t.elements());
        }
        return t;
    }

    /** Rows {@code [from, from + count)} of the first dimension. */
    public DeviceTensor slice(int from, int count) {
        if (from < 0 || count <= 0 || from + count > shape[0]) {
            throw new IndexOutOfBoundsException("DeviceTensor.slice: rows [" + from + ", " + (from + count) + ") of " + Arrays.toString(shape));
        }
        int[] s = shape.clone();
        s[0] = count;
        return new DeviceTensor(address + (long) from * (elements() / shape[0]) * dtype.bytes(), dtype, s);
    }

    public boolean sameShape(int... other) { return Arrays.equals(shape, other); }

    @Override public boolean equals(Object o) {
        return o instanceof DeviceTensor t && t.address == address && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override public int hashCode() { return Long.hashCode(address) * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return "DeviceTensor" + Arrays.toString(shape) + " " + dtype + " @0x" + Long.toHexString(address); }
}
