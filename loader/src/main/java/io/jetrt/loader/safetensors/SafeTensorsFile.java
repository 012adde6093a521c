package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only. {@link #open} validates the whole header against
 * the file size, so every later read stays inside the mapping. Tensors come back as row-major
 * float32 ({@link #readFloats}) or int64 ({@link #readLongs}) with the header's shape.
 * Closing unmaps the file; segments from {@link #segment} become unusable then.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** Larger headers are corrupt or hostile; real ones are a few hundred KiB at most. */
    static final long MAX_HEADER = 100L << 20;
    /** The largest Java array we allocate for one tensor. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int CHUNK = 8192;

    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final List<String> names;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment data, Header header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.metadata = header.metadata();
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) m.put(t.name(), t);
        this.tensors = m;
        this.names = List.copyOf(m.keySet());
    }

    /** Maps {@code file} and validates its header; throws {@link CheckpointException} naming the file on any defect. */
    public static SafeTensorsFile open(Path file) {
        String where = file.toString();
        if (!Files.isRegularFile(file)) throw new CheckpointException(where + ": must be an existing regular file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(where + ": file must be at least 8 bytes (the header length); got " + size);
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(LONG_LE, 0);
            // n is unsigned: a negative long is a length beyond 2^63, caught by the first test.
            if (n < 0 || n > MAX_HEADER) {
                throw new CheckpointException(where + ": header length must be at most " + MAX_HEADER + " bytes (100 MiB); got "
                        + Long.toUnsignedString(n));
            }
            if (8 + n > size) {
                throw new CheckpointException(where + ": header length must fit in the file (at most " + (size - 8)
                        + " bytes); got " + n);
            }
            String json = utf8(where, all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment data = all.asSlice(8 + n).asReadOnly();
            Header header = Header.parse(where, json, data.byteSize());
            return new SafeTensorsFile(file, arena, data, header);
        } catch (IOException e) {
            arena.close();
            throw new CheckpointException(where + ": cannot read: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static String utf8(String where, byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            CharBuffer out = dec.decode(in);
            return out.toString();
        } catch (CharacterCodingException e) {
            // decode() leaves the buffer at the start of the bad sequence.
            throw new CheckpointException(where + ": header must be valid UTF-8; got a malformed sequence at file offset "
                    + (8 + in.position()), e);
        }
    }

    public Path path() { return path; }

    /** The {@code __metadata__} map, empty when absent; unmodifiable, in header order. */
    public Map<String, String> metadata() { return metadata; }

    /** Tensor names in header order, without {@code __metadata__}. */
    public List<String> names() { return names; }

    public boolean has(String name) { return tensors.containsKey(name); }

    /** The header entry of {@code name}; throws {@link CheckpointException} when there is none. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(path + ": tensor " + Header.quote(name) + " must be in the file; got none of that name among "
                    + tensors.size() + " tensors");
        }
        return t;
    }

    /**
     * {@code name} as float32 with the header's shape (row-major). F32 is copied in bulk; F64 is narrowed,
     * F16 and BF16 are widened exactly. Integer dtypes are refused: use {@link #readLongs}.
     */
    public FloatTensor readFloats(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw new CheckpointException(path + ": tensor " + Header.quote(name) + ": dtype must be F64, F32, F16 or BF16 for readFloats; got "
                    + t.dtype() + " (use readLongs)");
        }
        int n = arrayLength(t);
        int[] shape = t.intShape(); // arrayLength checked every dim
        MemorySegment s = slice(t);
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(s, FLOAT_LE, 0, out, 0, n);
            case BF16, F16 -> {
                boolean bf = t.dtype() == DType.BF16;
                short[] buf = new short[Math.min(n, CHUNK)];
                for (int i = 0; i < n; i += CHUNK) {
                    int m = Math.min(CHUNK, n - i);
                    MemorySegment.copy(s, SHORT_LE, 2L * i, buf, 0, m);
                    if (bf) for (int k = 0; k < m; k++) out[i + k] = DType.fromBf16(buf[k]);
                    else for (int k = 0; k < m; k++) out[i + k] = Float.float16ToFloat(buf[k]);
                }
            }
            case F64 -> {
                double[] buf = new double[Math.min(n, CHUNK)];
                for (int i = 0; i < n; i += CHUNK) {
                    int m = Math.min(CHUNK, n - i);
                    MemorySegment.copy(s, DOUBLE_LE, 8L * i, buf, 0, m);
                    for (int k = 0; k < m; k++) out[i + k] = (float) buf[k];
                }
            }
            default -> throw new AssertionError(t.dtype());
        }
        return new FloatTensor(out, shape);
    }

    /**
     * {@code name} as int64, row-major, for integer dtypes (I64..I8, U64..U8) and BOOL (0/1 as stored).
     * Unsigned values are zero-extended; a U64 value above {@code Long.MAX_VALUE} is an error.
     */
    public long[] readLongs(String name) {
        TensorInfo t = info(name);
        if (t.dtype().isFloat()) {
            throw new CheckpointException(path + ": tensor " + Header.quote(name) + ": dtype must be an integer type for readLongs; got "
                    + t.dtype() + " (use readFloats)");
        }
        int n = arrayLength(t);
        MemorySegment s = slice(t);
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64, U64 -> MemorySegment.copy(s, LONG_LE, 0, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.get(INT_LE, 4L * i); }
            case U32 -> { for (int i = 0; i < n; i++) out[i] = Integer.toUnsignedLong(s.get(INT_LE, 4L * i)); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.get(SHORT_LE, 2L * i); }
            case U16 -> { for (int i = 0; i < n; i++) out[i] = Short.toUnsignedLong(s.get(SHORT_LE, 2L * i)); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, i)); }
            default -> throw new AssertionError(t.dtype());
        }
        if (t.dtype() == DType.U64) {
            for (int i = 0; i < n; i++) {
                if (out[i] < 0) {
                    throw new CheckpointException(path + ": tensor " + Header.quote(name) + ": U64 values must be at most 2^63-1 to read as long; got "
                            + Long.toUnsignedString(out[i]) + " at element " + i);
                }
            }
        }
        return out;
    }

    /** The raw little-endian bytes of {@code name}: a read-only slice of the mapping, valid until {@link #close}. */
    public MemorySegment segment(String name) { return slice(info(name)); }

    private MemorySegment slice(TensorInfo t) {
        if (!arena.scope().isAlive()) throw new IllegalStateException(path + ": file is closed");
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    private int arrayLength(TensorInfo t) {
        long n = t.elements();
        if (n > MAX_ELEMENTS) {
            throw new CheckpointException(path + ": tensor " + Header.quote(t.name()) + ": element count must be at most " + MAX_ELEMENTS
                    + " to fit a Java array; got " + n);
        }
        for (long d : t.shape()) {
            if (d > Integer.MAX_VALUE) { // only possible when another dim is 0
                throw new CheckpointException(path + ": tensor " + Header.quote(t.name()) + ": every dimension must fit in an int; got "
                        + Arrays.toString(t.shape()));
            }
        }
        return (int) n;
    }

    /** Unmaps the file. Idempotent. */
    @Override public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override public String toString() { return "SafeTensorsFile[" + path + ", " + names.size() + " tensors]"; }
}
