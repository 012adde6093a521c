package io.jetrt.experiments;

import io.jetrt.loader.json.Json;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Typed reads from one JSON object of an experiment file. Every error reads
 * {@code <file>: <path> must be <expectation>; got <value>}, where the path is the field's JSON path
 * from the top of the file, so a mistake can be found without guessing.
 */
final class Fields {
    private final String file;
    private final String path;
    private final Map<String, Object> map;

    Fields(String file, String path, Map<String, Object> map) {
        this.file = file;
        this.path = path;
        this.map = map;
    }

    /** The JSON path of {@code key} in this object. */
    String at(String key) { return path.isEmpty() ? key : path + "." + key; }

    boolean has(String key) { return map.containsKey(key) && map.get(key) != null; }

    ExperimentException error(String field, String expectation, Object got) {
        return new ExperimentException(file + ": " + field + " must be " + expectation + "; got " + show(got));
    }

    /** Fails on a field not in {@code allowed}: a typo must not silently fall back to a default. */
    void only(Collection<String> allowed) {
        for (String k : map.keySet()) {
            if (!allowed.contains(k)) {
                throw new ExperimentException(file + ": " + at(k) + " is not a known field" + (path.isEmpty() ? "" : " of " + path)
                        + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    String string(String key, String fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw error(at(key), "a string", v);
    }

    String requiredString(String key, String expectation) {
        Object v = map.get(key);
        if (v instanceof String s && !s.isBlank()) return s;
        throw error(at(key), expectation, v);
    }

    /** One of {@code allowed}, exactly. */
    String choice(String key, List<String> allowed, String fallback) {
        String v = string(key, fallback);
        if (!allowed.contains(v)) throw error(at(key), "one of " + String.join(", ", allowed), v);
        return v;
    }

    int integer(String key, int min, int fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        return checkInt(at(key), v, min);
    }

    boolean bool(String key, boolean fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw error(at(key), "true or false", v);
    }

    /** A number, integer or decimal, or {@code fallback} when absent. */
    double number(String key, double fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw error(at(key), "a number", v);
    }

    long seed(String key, long fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Long l) return l;
        throw error(at(key), "an integer", v);
    }

    /** A non-empty list of distinct integers, each at least {@code min}. */
    List<Integer> integers(String key, int min, List<Integer> fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof List<?> l) || l.isEmpty()) throw error(at(key), "a non-empty list of integers >= " + min, v);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            int x = checkInt(at(key) + "[" + i + "]", l.get(i), min);
            if (out.contains(x)) throw error(at(key) + "[" + i + "]", "different from the entries before it", x);
            out.add(x);
        }
        return out;
    }

    /** Like {@link #integers}, where the string {@code word} may stand for the integer {@code meaning} (e.g. "max"). */
    List<Integer> integersOr(String key, int min, String word, int meaning, List<Integer> fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        String expectation = "a non-empty list of integers >= " + min + " or '" + word + "'";
        if (!(v instanceof List<?> l) || l.isEmpty()) throw error(at(key), expectation, v);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String field = at(key) + "[" + i + "]";
            int x;
            if (l.get(i) instanceof String s) {
                if (!s.equals(word)) throw error(field, "an integer >= " + min + " or '" + word + "'", s);
                x = meaning;
            } else {
                x = checkInt(field, l.get(i), min);
            }
            if (out.contains(x)) throw error(field, "different from the entries before it", l.get(i));
            out.add(x);
        }
        return out;
    }

    /** Whether {@code key} holds a list (rather than an object or a scalar). */
    boolean isList(String key) { return map.get(key) instanceof List<?>; }

    /** A non-empty list of distinct strings, each one of {@code allowed}. */
    List<String> choices(String key, List<String> allowed, List<String> fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (!(v instanceof List<?> l) || l.isEmpty()) throw error(at(key), "a non-empty list of " + String.join(", ", allowed), v);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String field = at(key) + "[" + i + "]";
            if (!(l.get(i) instanceof String s) || !allowed.contains(s)) {
                throw error(field, "one of " + String.join(", ", allowed), l.get(i));
            }
            if (out.contains(s)) throw error(field, "listed once", s);
            out.add(s);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    Fields object(String key, String expectation) {
        Object v = map.get(key);
        if (v instanceof Map<?, ?> m) return new Fields(file, at(key), (Map<String, Object>) m);
        throw error(at(key), expectation, v);
    }

    /** A non-empty list of objects. */
    @SuppressWarnings("unchecked")
    List<Fields> objects(String key, String expectation) {
        Object v = map.get(key);
        if (!(v instanceof List<?> l) || l.isEmpty()) throw error(at(key), expectation, v);
        List<Fields> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            String field = at(key) + "[" + i + "]";
            if (!(l.get(i) instanceof Map<?, ?> m)) throw error(field, "an object", l.get(i));
            out.add(new Fields(file, field, (Map<String, Object>) m));
        }
        return out;
    }

    /** Exactly one of {@code keys} is present; returns it. */
    String oneOf(List<String> keys) {
        TreeSet<String> present = new TreeSet<>();
        for (String k : keys) if (has(k)) present.add(k);
        if (present.size() != 1) {
            throw new ExperimentException(file + ": " + (path.isEmpty() ? "the top level" : path) + " must have exactly one of "
                    + String.join(", ", keys) + "; got " + (present.isEmpty() ? "none" : String.join(" and ", present)));
        }
        return present.first();
    }

    private int checkInt(String field, Object v, int min) {
        if (v instanceof Long l && l >= min && l <= Integer.MAX_VALUE) return l.intValue();
        throw error(field, "an integer >= " + min, v);
    }

    private static String show(Object v) {
        if (v == null) return "nothing";
        if (v instanceof String s) return "'" + s + "'";
        if (v instanceof Map || v instanceof List) return Json.kind(v);
        return String.valueOf(v);
    }
}
