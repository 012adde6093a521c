package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Arrays;

/**
 * A dense row-major float32 tensor: {@code data} holds exactly {@code product(shape)} values.
 * It is a view over a plain array so that recurrences can loop over it without indirection.
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record FloatTensor(float[] data, int[] shape) {

    public FloatTensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("FloatTensor: shape must be non-negative; got " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("FloatTensor: shape " + Arrays.toString(shape) + " holds " + n
                    + " values; got an array of " + data.length);
        }
        shape = shape.clone();
    }

    public static FloatTensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("FloatTensor: " + Arrays.toString(shape) + " exceeds 2^31 values");
        return new FloatTensor(new float[(int) n], shape);
    }

    public static FloatTensor filled(float value, int... shape) {
        FloatTensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    public int size() { return data.length; }

    @Override public int[] shape() { return shape.clone(); }

    /** Same data, another shape of the same size. */
    public FloatTensor reshape(int... newShape) { return new FloatTensor(data, newShape); }

    public FloatTensor copy() { return new FloatTensor(data.clone(), shape); }

    public boolean sameShape(int... other) { return Arrays.equals(shape, other); }

    @Override public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data); }

    @Override public String toString() { return "FloatTensor" + Arrays.toString(shape); }
}
