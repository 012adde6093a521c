package io.jetrt.runtime.cuda;

/**
 * Element types of device buffers, with the host-side conversions used on upload and download.
 * bf16 and f16 round to nearest, ties to even; NaN stays NaN.
 */
public enum DType {
    F32(4), BF16(2), F16(2), I32(4);

    /** Bytes per element. */
    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** bf16 bits of {@code f}, rounded to nearest even (the SPI's conversion, shared with the checkpoint loader). */
    public static short toBf16(float f) { return io.jetrt.spi.DType.toBf16(f); }

    public static float fromBf16(short h) { return io.jetrt.spi.DType.fromBf16(h); }

    /** IEEE half bits of {@code f}, rounded to nearest even (Java's own conversion). */
    public static short toF16(float f) { return Float.floatToFloat16(f); }

    public static float fromF16(short h) { return Float.float16ToFloat(h); }

    /** {@code f} as it comes back after a round trip through this type (floats only). */
    public float round(float f) {
        return switch (this) {
            case F32 -> f;
            case BF16 -> fromBf16(toBf16(f));
            case F16 -> fromF16(toF16(f));
            case I32 -> throw new IllegalArgumentException("DType.round: I32 holds ints, not floats");
        };
    }

    /** Lower-case name as in the checkpoint vocabulary: {@code bf16}. */
    @Override
    public String toString() { return name().toLowerCase(java.util.Locale.ROOT); }
}
