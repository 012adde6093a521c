package io.jetrt.spi;

/** Element types of checkpoint tensors and state slots, with safetensors' names. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }

    public boolean isFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }
}
