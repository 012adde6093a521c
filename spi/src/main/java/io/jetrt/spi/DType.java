package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

/** Element types of checkpoint tensors and state slots, with safetensors' names. */
// an enum: a new constant or method is an addition
@ProviderType
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }

    public boolean isFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }

    /** bfloat16 bits of {@code f}: its top 16 bits rounded to nearest, ties to even; a NaN stays a (quiet) NaN. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040); // cutting could make it Inf
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The float of bfloat16 bits {@code h}: exact (bfloat16 is float32 with a shorter mantissa). */
    public static float fromBf16(short h) { return Float.intBitsToFloat((h & 0xffff) << 16); }
}
