package io.jetrt.experiments;

import java.util.List;
import java.util.Map;

/** Typed reads from a JSON object read back from results.jsonl (numbers come back as Long or Double). */
final class JsonIn {
    private JsonIn() {}

    static String str(Map<String, Object> m, String key) { return (String) m.get(key); }

    static long lng(Map<String, Object> m, String key) { return ((Number) m.get(key)).longValue(); }

    static int integer(Map<String, Object> m, String key) { return ((Number) m.get(key)).intValue(); }

    /** NaN for null: how {@link JsonOut} writes a non-finite value. */
    static double dbl(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    static Long optLong(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : ((Number) v).longValue();
    }

    static double[] doubles(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return new double[0];
        List<?> l = (List<?>) v;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = l.get(i) == null ? Double.NaN : ((Number) l.get(i)).doubleValue();
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Map<String, Object> m, String key) { return (Map<String, Object>) m.get(key); }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objs(Map<String, Object> m, String key) { return (List<Map<String, Object>>) m.get(key); }

    @SuppressWarnings("unchecked")
    static <T> List<T> list(Map<String, Object> m, String key) { return (List<T>) m.get(key); }
}
