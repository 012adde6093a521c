package io.jetrt.runtime.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-layer rules, comma-separated {@code <layers>:<value>}, where {@code <layers>} is a layer index, a
 * range {@code a-b} (inclusive), or a block type meaning every layer of that type in the config. Later
 * rules win. Used for block overrides ({@code 0-13:mamba2,jet:gdn,14:attn}: the value is a block type)
 * and for version pins ({@code jet:1.0.0,3:1.1}: the value is an implementation version or its prefix).
 */
public record LayerRules(List<Rule> rules) {

    public static final LayerRules NONE = new LayerRules(List.of());

    /** One rule: layers {@code [from, to]}, or all layers of type {@code ofType}, get {@code value}. */
    public record Rule(int from, int to, String ofType, String value) {}

    public static LayerRules parse(String spec) {
        if (spec == null || spec.isBlank()) return NONE;
        List<Rule> rules = new ArrayList<>();
        for (String item : spec.split(",")) {
            String s = item.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("rule '" + s + "' must be <layers>:<value>, e.g. 0-13:mamba2 or jet:gdn");
            }
            String left = s.substring(0, colon).trim(), type = s.substring(colon + 1).trim();
            if (left.matches("\\d+")) {
                int i = Integer.parseInt(left);
                rules.add(new Rule(i, i, null, type));
            } else if (left.matches("\\d+\\s*-\\s*\\d+")) {
                String[] ab = left.split("-");
                int a = Integer.parseInt(ab[0].trim()), b = Integer.parseInt(ab[1].trim());
                if (a > b) throw new IllegalArgumentException("rule '" + s + "': range start " + a + " must not exceed end " + b);
                rules.add(new Rule(a, b, null, type));
            } else if (left.matches("[A-Za-z_][\\w.-]*")) {
                rules.add(new Rule(-1, -1, left, type));
            } else {
                throw new IllegalArgumentException("rule '" + s + "': layers must be an index, a range a-b or a type name; got '" + left + "'");
            }
        }
        return new LayerRules(rules);
    }

    /** Each layer's value after the rules, starting from {@code base} (e.g. the config's layer types). */
    public List<String> apply(List<String> base) {
        List<String> out = new ArrayList<>(base);
        for (Rule r : rules) {
            if (r.ofType() == null) {
                if (r.to() >= out.size()) {
                    throw new IllegalArgumentException("rule " + r.from() + "-" + r.to() + ":" + r.value()
                            + ": the model has layers 0-" + (out.size() - 1));
                }
                for (int i = r.from(); i <= r.to(); i++) out.set(i, r.value());
            } else {
                for (int i = 0; i < out.size(); i++) if (base.get(i).equals(r.ofType())) out.set(i, r.value());
            }
        }
        return out;
    }

    /** The value the last matching rule gives layer {@code layer} of type {@code type}, or null. */
    public String valueFor(int layer, String type) {
        String v = null;
        for (Rule r : rules) {
            if (r.ofType() == null ? layer >= r.from() && layer <= r.to() : r.ofType().equals(type)) v = r.value();
        }
        return v;
    }
}
