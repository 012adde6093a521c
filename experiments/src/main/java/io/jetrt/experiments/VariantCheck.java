package io.jetrt.experiments;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.model.LayerRules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the variants against the base model and the installed bundles before anything runs: ranges
 * within the model's layers, type rules naming a type the model has, block types some bundle offers.
 * Errors name {@code variants[i].overrides} and the allowed values.
 */
final class VariantCheck {
    private VariantCheck() {}

    /** Each variant's layer types, by variant name. */
    static Map<String, List<String>> layerTypes(Experiment e, ModelConfig cfg, BlockRegistry registry) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Set<String> modelTypes = new TreeSet<>(cfg.layerTypes());
        Set<String> installed = registry.types();
        for (int i = 0; i < e.variants().size(); i++) {
            Variant v = e.variants().get(i);
            String field = e.where() + ": variants[" + i + "].overrides";
            LayerRules rules = v.rules(cfg.numLayers());
            for (LayerRules.Rule r : rules.rules()) {
                if (r.ofType() != null && !modelTypes.contains(r.ofType())) {
                    throw new ExperimentException(field + " must select layers by a type the model has (" + String.join(", ", modelTypes)
                            + "), an index, a range within 0-" + (cfg.numLayers() - 1) + " or *; got '" + r.ofType() + "'");
                }
                if (registry.find(r.value()).isEmpty()) {
                    throw new ExperimentException(field + " must name block types an installed bundle offers ("
                            + String.join(", ", installed) + "); got '" + r.value() + "'");
                }
            }
            try {
                out.put(v.name(), rules.apply(cfg.layerTypes()));
            } catch (IllegalArgumentException x) {
                throw new ExperimentException(field + " must stay within the model's layers 0-" + (cfg.numLayers() - 1) + "; got '"
                        + v.overrides() + "' (" + x.getMessage() + ")");
            }
        }
        return out;
    }

    /** Layers whose type some variant changes: their blocks are not shared by every variant. */
    static Set<Integer> swappedByAny(Map<String, List<String>> types, ModelConfig cfg) {
        Set<Integer> out = new TreeSet<>();
        for (List<String> t : types.values()) for (int i = 0; i < t.size(); i++) if (!t.get(i).equals(cfg.layerTypes().get(i))) out.add(i);
        return out;
    }
}
