package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jetrt.runtime.model.LayerRules;

import java.util.ArrayList;
import java.util.List;

/**
 * One model variant: the base model with per-layer block overrides in {@link LayerRules} syntax, plus
 * {@code *} for every layer ({@code *:attn} = full attention everywhere). Empty overrides = the base model.
 * With {@code retrofit} the swapped-in blocks are first trained to reproduce the base model's layers.
 */
public record Variant(String name, String overrides, @JsonInclude(JsonInclude.Include.NON_NULL) RetrofitSpec retrofit) {

    /** A variant measured with its swapped-in blocks as initialised (no retrofit). */
    public Variant(String name, String overrides) { this(name, overrides, null); }

    /** The overrides for a model of {@code layers} layers, {@code *} spelled as the range of all layers. */
    public LayerRules rules(int layers) {
        List<String> items = new ArrayList<>();
        for (String item : overrides.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) continue;
            items.add(s.startsWith("*:") ? "0-" + (layers - 1) + s.substring(1) : s);
        }
        return LayerRules.parse(String.join(",", items));
    }

    /** Checks the syntax alone (the layer count is not known yet); throws IllegalArgumentException naming the rule. */
    void checkSyntax() {
        for (String item : overrides.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) continue;
            LayerRules.parse(s.startsWith("*:") ? "0" + s.substring(1) : s);
        }
    }
}
