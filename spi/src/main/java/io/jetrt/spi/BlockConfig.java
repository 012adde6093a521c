package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyper-parameters of one block, under the upstream constructor argument names
 * (e.g. {@code hidden_size}, {@code num_heads}, {@code head_dim}, {@code conv_size}). Values are
 * Numbers, Strings, Booleans or null, as parsed from JSON. {@code where} names the layer or file they
 * came from, so that every error can say where the bad value is.
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record BlockConfig(String where, Map<String, Object> params) {

    public BlockConfig {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public boolean has(String key) { return params.get(key) != null; }

    public int intParam(String key) {
        double v = number(key);
        if (v != Math.rint(v)) throw bad(key, "an integer", v);
        return (int) v;
    }

    public int intParam(String key, int fallback) { return has(key) ? intParam(key) : fallback; }

    /** Accepts numbers and numeric strings: the released Jet-Nemotron configs store norm_eps as "1e-5". */
    public double doubleParam(String key) { return number(key); }

    public double doubleParam(String key, double fallback) { return has(key) ? number(key) : fallback; }

    public boolean boolParam(String key, boolean fallback) {
        Object v = params.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw bad(key, "true or false", v);
    }

    /** A copy with {@code key} set; null removes the value. */
    public BlockConfig with(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(params);
        m.put(key, value);
        return new BlockConfig(where, m);
    }

    private double number(String key) {
        Object v = params.get(key);
        if (v == null) throw new IllegalArgumentException(where + ": " + key + " must be set; it is missing");
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw bad(key, "a number", v);
            }
        }
        throw bad(key, "a number", v);
    }

    private IllegalArgumentException bad(String key, String what, Object got) {
        return new IllegalArgumentException(where + ": " + key + " must be " + what + "; got " + got);
    }
}
