package io.jetrt.loader.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a safetensors file: tensors in insertion order, contiguous, after a header padded with
 * spaces so that the data starts at a multiple of 8. Float tensors are stored as F32, F16 or BF16
 * (both rounded to nearest even); they are read when {@link #write} runs, not when added.
 */
public final class SafeTensorsWriter {

    private record Entry(String name, DType dtype, int[] shape, FloatTensor floats, long[] longs) {
        long bytes() { return (long) dtype.bytes() * (floats != null ? floats.size() : longs.length); }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds {@code t} (shape as is) to be stored as {@code storeAs}: F32, F16 or BF16. */
    public SafeTensorsWriter add(String name, FloatTensor t, DType storeAs) {
        Objects.requireNonNull(t, "t");
        if (storeAs != DType.F32 && storeAs != DType.F16 && storeAs != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "': storeAs must be F32, F16 or BF16; got " + storeAs);
        }
        entries.add(new Entry(checkName(name), storeAs, t.shape(), t, null));
        return this;
    }

    /** Adds {@code values} as I64 with {@code shape} (an empty shape is a scalar: one value). */
    public SafeTensorsWriter addLongs(String name, long[] values, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': shape must be non-negative; got " + Arrays.toString(shape));
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " must hold "
                    + values.length + " values; got " + n);
        }
        entries.add(new Entry(checkName(name), DType.I64, shape.clone(), null, values.clone()));
        return this;
    }

    /** Sets a {@code __metadata__} entry (replacing an earlier value of {@code key}). */
    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(checkText("metadata key", key), checkText("metadata value", value));
        return this;
    }

    /** The header as compact UTF-8 JSON, in insertion order (metadata first, then tensors as added). */
    private static byte[] headerBytes(Map<String, Object> header) {
        try {
            return JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a header of strings and numbers always serializes", e);
        }
    }

    /** Writes the file, replacing any existing one. */
    public void write(Path file) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (!metadata.isEmpty()) h.put(Header.METADATA, metadata);
        long offset = 0;
        for (Entry e : entries) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", e.dtype().toString());
            t.put("shape", e.shape());
            t.put("data_offsets", new long[] {offset, offset + e.bytes()});
            h.put(e.name(), t);
            offset += e.bytes();
        }
        byte[] header = headerBytes(h);
        // Non-ASCII text makes bytes longer than chars: pad the bytes, not the string.
        int pad = (8 - (8 + header.length) % 8) % 8;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(header.length + pad);
            Out out = new Out(ch, buf);
            out.bytes(header);
            for (int k = 0; k < pad; k++) out.room(1).put((byte) ' ');
            for (Entry e : entries) {
                if (e.longs() != null) for (long v : e.longs()) out.room(8).putLong(v);
                else writeFloats(out, e.floats().data(), e.dtype());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void writeFloats(Out out, float[] data, DType as) throws IOException {
        switch (as) {
            case F32 -> { for (float v : data) out.room(4).putFloat(v); }
            case F16 -> { for (float v : data) out.room(2).putShort(Float.floatToFloat16(v)); }
            case BF16 -> { for (float v : data) out.room(2).putShort(DType.toBf16(v)); }
            default -> throw new AssertionError(as);
        }
    }

    /** A buffered channel writer: {@link #room} flushes when the next value would not fit. */
    private record Out(FileChannel ch, ByteBuffer buf) {
        ByteBuffer room(int n) throws IOException {
            if (buf.remaining() < n) flush();
            return buf;
        }

        void bytes(byte[] b) throws IOException {
            for (int at = 0; at < b.length; ) {
                int m = Math.min(room(1).remaining(), b.length - at);
                buf.put(b, at, m);
                at += m;
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        }
    }

    private String checkName(String name) {
        checkText("tensor name", name);
        if (name.equals(Header.METADATA)) throw new IllegalArgumentException("tensor name must not be __metadata__");
        if (!names.add(name)) throw new IllegalArgumentException("tensor name must be unique; got '" + name + "' twice");
        return name;
    }

    /** Strings must encode to UTF-8 as they are: an unpaired surrogate would silently become '?'. */
    private static String checkText(String what, String s) {
        Objects.requireNonNull(s, what);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1))) k++;
            else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " must be valid Unicode; got an unpaired surrogate at index " + k);
            }
        }
        return s;
    }
}
