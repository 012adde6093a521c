package io.jetrt.experiments;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A SHA-256 over a set of float32 tensors: for each tensor in name order, the name's UTF-8 bytes, a zero
 * byte, and the SHA-256 of its values' IEEE-754 bits little-endian. Equal digests = the same tensors bit for
 * bit. Hashing each tensor once lets one pass over a 2B model's weights serve several digests. Its JSON is
 * {@code {"tensors": n, "sha256": hex}}.
 */
public record WeightDigest(int tensors, String sha256) {

    /** SHA-256 of each tensor's values, by name. */
    static SortedMap<String, byte[]> perTensor(Map<String, Supplier<float[]>> byName) {
        SortedMap<String, byte[]> out = new TreeMap<>();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, Supplier<float[]>> e : byName.entrySet()) {
            MessageDigest md = messageDigest();
            for (float v : e.getValue().get()) {
                if (!buf.hasRemaining()) flush(md, buf);
                buf.putInt(Float.floatToRawIntBits(v));
            }
            flush(md, buf);
            out.put(e.getKey(), md.digest());
        }
        return out;
    }

    /** The digest over {@code hashes} (from {@link #perTensor}), all of them or a subset. */
    static WeightDigest of(SortedMap<String, byte[]> hashes) {
        MessageDigest md = messageDigest();
        for (Map.Entry<String, byte[]> e : hashes.entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(e.getValue());
        }
        return new WeightDigest(hashes.size(), HexFormat.of().formatHex(md.digest()));
    }

    private static void flush(MessageDigest md, ByteBuffer buf) {
        buf.flip();
        md.update(buf);
        buf.clear();
    }

    static MessageDigest messageDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK must provide SHA-256", e);
        }
    }
}
