package io.jetrt.loader.safetensors;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;
import io.jetrt.spi.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated JSON header of one safetensors file: tensors in header order and the optional
 * {@code __metadata__}. Every check that does not need the data bytes happens here, so a file that
 * opens can be read without further range checks.
 */
record Header(List<TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA = "__metadata__";
    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final Pattern DUPLICATE = Pattern.compile("^duplicate key \"(.*)\" at offset (\\d+)$", Pattern.DOTALL);

    /**
     * Parses and checks {@code json} against a data section of {@code dataSize} bytes.
     * {@code where} (the file) starts every error message.
     */
    static Header parse(String where, String json, long dataSize) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw new CheckpointException(where + ": " + describe(json, e), e);
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>(root.size());
        for (Map.Entry<String, Object> e : root.entrySet()) {
            if (e.getKey().equals(METADATA)) metadata = metadata(where, e.getValue());
            else tensors.add(tensor(where, e.getKey(), e.getValue(), dataSize));
        }
        checkOverlap(where, tensors);
        return new Header(List.copyOf(tensors), metadata);
    }

    /** Json reports duplicate keys at any depth; at depth 1 they are tensor names and deserve saying so. */
    private static String describe(String json, JsonException e) {
        Matcher m = DUPLICATE.matcher(e.getMessage());
        if (m.matches()) {
            int at = Integer.parseInt(m.group(2));
            String key = m.group(1);
            if (depthAt(json, at) == 1) {
                return key.equals(METADATA) ? "header must have at most one __metadata__; got a second at offset " + at
                        : "duplicate tensor name " + quote(key) + " in header (second entry at offset " + at + ")";
            }
            return "header field " + quote(key) + " appears twice in one entry (offset " + at + ")";
        }
        return "header must be a valid JSON object; got " + e.getMessage();
    }

    /** Nesting depth of objects/arrays at character {@code at}, skipping string contents. */
    private static int depthAt(String json, int at) {
        int depth = 0;
        boolean inString = false;
        for (int k = 0; k < at && k < json.length(); k++) {
            char c = json.charAt(k);
            if (inString) {
                if (c == '\\') k++;
                else if (c == '"') inString = false;
            } else if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') depth--;
        }
        return depth;
    }

    private static Map<String, String> metadata(String where, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new CheckpointException(where + ": __metadata__ must be an object of string to string; got " + Json.kind(v));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new CheckpointException(where + ": __metadata__ must be an object of string to string; got "
                        + Json.kind(e.getValue()) + " for key " + quote((String) e.getKey()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(String where, String name, Object v, long dataSize) {
        String at = where + ": tensor " + quote(name) + ": ";
        if (!(v instanceof Map<?, ?> m)) {
            throw new CheckpointException(at + "entry must be an object with dtype, shape and data_offsets; got " + Json.kind(v));
        }
        for (String f : FIELDS) {
            if (!m.containsKey(f)) throw new CheckpointException(at + "entry must have field '" + f + "'; got fields " + m.keySet());
        }
        if (m.size() != FIELDS.size()) {
            throw new CheckpointException(at + "entry must have only dtype, shape and data_offsets; got fields " + m.keySet());
        }
        DType dtype = dtype(at, m.get("dtype"));
        long[] shape = longs(m.get("shape"));
        if (shape == null) throw new CheckpointException(at + "shape must be an array of non-negative integers; got " + show(m.get("shape")));
        long[] offsets = longs(m.get("data_offsets"));
        if (offsets == null || offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new CheckpointException(at + "data_offsets must be two non-negative integers [begin, end] with begin <= end; got "
                    + show(m.get("data_offsets")));
        }
        long begin = offsets[0], end = offsets[1];
        long bytes = dtype.bytes();
        try {
            for (long d : shape) bytes = Math.multiplyExact(bytes, d);
        } catch (ArithmeticException overflow) {
            throw new CheckpointException(at + "shape must have a byte size below 2^63; got " + dtype + " " + Arrays.toString(shape));
        }
        if (end - begin != bytes) {
            throw new CheckpointException(at + "data_offsets [" + begin + ", " + end + "] hold " + (end - begin) + " bytes but "
                    + dtype + " " + Arrays.toString(shape) + " needs " + bytes);
        }
        if (end > dataSize) {
            throw new CheckpointException(at + "data_offsets must end within the " + dataSize + "-byte data section; got ["
                    + begin + ", " + end + "]");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static DType dtype(String at, Object v) {
        if (v instanceof String s) {
            for (DType d : DType.values()) if (d.name().equals(s)) return d;
        }
        throw new CheckpointException(at + "dtype must be one of " + Arrays.toString(DType.values()) + "; got " + show(v));
    }

    /** A JSON array of non-negative integers as longs, or null when it is anything else. */
    private static long[] longs(Object v) {
        if (!(v instanceof List<?> l)) return null;
        long[] out = new long[l.size()];
        for (int k = 0; k < out.length; k++) {
            if (!(l.get(k) instanceof Long n) || n < 0) return null;
            out[k] = n;
        }
        return out;
    }

    /** Sorted by begin, every non-empty range must start at or after the furthest end seen so far. */
    private static void checkOverlap(String where, List<TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo furthest = null;
        for (TensorInfo t : sorted) {
            if (t.begin() == t.end()) continue; // zero-length tensors own no bytes
            if (furthest != null && t.begin() < furthest.end()) {
                throw new CheckpointException(where + ": tensor " + quote(t.name()) + ": data_offsets [" + t.begin() + ", " + t.end()
                        + "] must not overlap other tensors; got overlap with tensor " + quote(furthest.name())
                        + " at [" + furthest.begin() + ", " + furthest.end() + "]");
            }
            if (furthest == null || t.end() > furthest.end()) furthest = t;
        }
    }

    /** A name for a message, cut short so that a corrupt header cannot produce a megabyte of text. */
    static String quote(String s) {
        return "'" + (s.length() <= 200 ? s : s.substring(0, 200) + "...") + "'";
    }

    private static String show(Object v) {
        String s = v instanceof String str ? "\"" + str + "\"" : String.valueOf(v);
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
