package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors header. {@code begin} and {@code end} are byte offsets relative to the
 * first byte of the data section (after the 8-byte length and the header), end exclusive.
 * An empty {@code shape} is a scalar (one element).
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    /** Product of the shape; 1 for a scalar. The file validated it does not overflow. */
    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Size of the byte range, {@code end - begin}. */
    public long byteSize() { return end - begin; }

    /** The shape as ints, for {@link io.jetrt.spi.FloatTensor}; throws when a dimension exceeds int range. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "': shape dimensions must fit in an int; got "
                        + Arrays.toString(shape));
            }
            s[k] = (int) shape[k];
        }
        return s;
    }

    @Override public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override public int hashCode() { return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end); }

    @Override public String toString() {
        return "TensorInfo[" + name + " " + dtype + " " + Arrays.toString(shape) + " @ [" + begin + ", " + end + "]]";
    }
}
