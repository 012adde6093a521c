package io.jetrt.experiments;

import io.jetrt.loader.json.Json;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes maps, lists, strings, numbers, booleans and null as JSON. A non-finite double becomes null
 * (JSON has no NaN). Integers print without a fraction and doubles always with one, so that each reads
 * back as the type it was written as.
 */
public final class JsonOut {
    private JsonOut() {}

    /** Compact, on one line: for JSONL records. */
    public static String line(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, -1, 0);
        return b.toString();
    }

    /** Indented by two spaces per level: for files people read. */
    public static String pretty(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 2, 0);
        return b.append('\n').toString();
    }

    private static void write(StringBuilder b, Object v, int indent, int level) {
        switch (v) {
            case null -> b.append("null");
            case String s -> Json.quote(b, s);
            case Boolean x -> b.append(x);
            case Double d -> number(b, d);
            case Float f -> number(b, f.doubleValue());
            case Number n -> b.append(n.longValue());
            case Map<?, ?> m -> {
                b.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (i++ > 0) b.append(',');
                    newline(b, indent, level + 1);
                    Json.quote(b, String.valueOf(e.getKey()));
                    b.append(indent < 0 ? ":" : ": ");
                    write(b, e.getValue(), indent, level + 1);
                }
                if (!m.isEmpty()) newline(b, indent, level);
                b.append('}');
            }
            case List<?> l -> {
                // lists of numbers stay on one line even when pretty: latency samples would run for pages
                boolean flat = l.stream().allMatch(x -> x == null || x instanceof Number || x instanceof String);
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(flat && indent >= 0 ? ", " : ",");
                    if (!flat) newline(b, indent, level + 1);
                    write(b, l.get(i), indent, level + 1);
                }
                if (!flat && !l.isEmpty()) newline(b, indent, level);
                b.append(']');
            }
            case double[] a -> write(b, java.util.Arrays.stream(a).boxed().toList(), indent, level);
            case long[] a -> write(b, java.util.Arrays.stream(a).boxed().toList(), indent, level);
            case int[] a -> write(b, java.util.Arrays.stream(a).boxed().toList(), indent, level);
            default -> throw new IllegalArgumentException("JsonOut: cannot write " + v.getClass().getName());
        }
    }

    private static void number(StringBuilder b, double d) {
        if (!Double.isFinite(d)) b.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) b.append(String.format(Locale.ROOT, "%.1f", d));
        else b.append(Double.toString(d));
    }

    private static void newline(StringBuilder b, int indent, int level) {
        if (indent < 0) return;
        b.append('\n').append(" ".repeat(indent * level));
    }

}
