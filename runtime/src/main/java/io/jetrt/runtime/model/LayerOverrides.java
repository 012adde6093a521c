package io.jetrt.runtime.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-layer block overrides: comma-separated rules {@code <layers>:<type>}, where {@code <layers>} is a
 * layer index, a range {@code a-b} (inclusive), or a block type meaning every layer of that type in the
 * config. Example: {@code 0-13:mamba2,jet:gdn,14:attn}. Later rules win.
 */
public record LayerOverrides(List<Rule> rules) {

    public static final LayerOverrides NONE = new LayerOverrides(List.of());

    /** One rule: layers {@code [from, to]} or all layers of type {@code ofType} become {@code type}. */
    public record Rule(int from, int to, String ofType, String type) {}

    public static LayerOverrides parse(String spec) {
        if (spec == null || spec.isBlank()) return NONE;
        List<Rule> rules = new ArrayList<>();
        for (String item : spec.split(",")) {
            String s = item.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("override '" + s + "' must be <layers>:<type>, e.g. 0-13:mamba2 or jet:gdn");
            }
            String left = s.substring(0, colon).trim(), type = s.substring(colon + 1).trim();
            if (left.matches("\\d+")) {
                int i = Integer.parseInt(left);
                rules.add(new Rule(i, i, null, type));
            } else if (left.matches("\\d+\\s*-\\s*\\d+")) {
                String[] ab = left.split("-");
                int a = Integer.parseInt(ab[0].trim()), b = Integer.parseInt(ab[1].trim());
                if (a > b) throw new IllegalArgumentException("override '" + s + "': range start " + a + " must not exceed end " + b);
                rules.add(new Rule(a, b, null, type));
            } else if (left.matches("[A-Za-z_][\\w.-]*")) {
                rules.add(new Rule(-1, -1, left, type));
            } else {
                throw new IllegalArgumentException("override '" + s + "': layers must be an index, a range a-b or a type name; got '" + left + "'");
            }
        }
        return new LayerOverrides(rules);
    }

    /** The block type of every layer after the rules, checking indices against the layer count. */
    public List<String> apply(List<String> layerTypes) {
        List<String> out = new ArrayList<>(layerTypes);
        for (Rule r : rules) {
            if (r.ofType() == null) {
                if (r.to() >= out.size()) {
                    throw new IllegalArgumentException("override " + r.from() + "-" + r.to() + ":" + r.type()
                            + ": the model has layers 0-" + (out.size() - 1));
                }
                for (int i = r.from(); i <= r.to(); i++) out.set(i, r.type());
            } else {
                for (int i = 0; i < out.size(); i++) if (layerTypes.get(i).equals(r.ofType())) out.set(i, r.type());
            }
        }
        return out;
    }
}
