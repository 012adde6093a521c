package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a variant is, independent of timing: its layer types and where each layer's block and weights came
 * from, its parameter count, its state + KV bytes per sequence at each context length (from the blocks'
 * declared state layouts), and digests of the checkpoint weights it uses.
 *
 * @param swappedLayers layers whose block type differs from the checkpoint's (seeded upstream init)
 * @param stateBytes    context length → state + KV bytes per sequence (float32)
 * @param shared        digest of the tensors no variant of the experiment swaps: equal across variants
 * @param own           digest of every checkpoint tensor this variant uses (all but its swapped layers' blocks)
 */
public record VariantProfile(String variant, String overrides, List<String> layerTypes, List<Integer> swappedLayers,
                             List<LayerInfo> layers, long params, Map<Integer, Long> stateBytes, WeightDigest shared,
                             WeightDigest own) {

    /** One layer as bound: block type, bundle (symbolic name and version), provider version, weight source. */
    public record LayerInfo(int index, String type, String bundle, String provider, String weights) {}

    public static String id(String variant) { return "variant:" + variant; }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("row", id(variant));
        m.put("kind", "variant");
        m.put("variant", variant);
        m.put("overrides", overrides);
        m.put("layer_types", layerTypes);
        m.put("swapped_layers", swappedLayers);
        List<Object> ls = new ArrayList<>();
        for (LayerInfo l : layers) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("index", l.index());
            o.put("type", l.type());
            o.put("bundle", l.bundle());
            o.put("provider", l.provider());
            o.put("weights", l.weights());
            ls.add(o);
        }
        m.put("layers", ls);
        m.put("params", params);
        List<Object> sb = new ArrayList<>();
        stateBytes.forEach((ctx, bytes) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("context", ctx);
            o.put("bytes", bytes);
            sb.add(o);
        });
        m.put("state_bytes_by_context", sb);
        m.put("shared_weights", shared.toJson());
        m.put("checkpoint_weights", own.toJson());
        return m;
    }

    public static VariantProfile fromJson(Map<String, Object> m) {
        List<LayerInfo> layers = new ArrayList<>();
        for (Map<String, Object> o : JsonIn.objs(m, "layers")) {
            layers.add(new LayerInfo(JsonIn.integer(o, "index"), JsonIn.str(o, "type"), JsonIn.str(o, "bundle"),
                    JsonIn.str(o, "provider"), JsonIn.str(o, "weights")));
        }
        Map<Integer, Long> state = new LinkedHashMap<>();
        for (Map<String, Object> o : JsonIn.objs(m, "state_bytes_by_context")) {
            state.put(JsonIn.integer(o, "context"), JsonIn.lng(o, "bytes"));
        }
        List<Integer> swapped = JsonIn.<Number>list(m, "swapped_layers").stream().map(Number::intValue).toList();
        return new VariantProfile(JsonIn.str(m, "variant"), JsonIn.str(m, "overrides"), JsonIn.list(m, "layer_types"), swapped,
                layers, JsonIn.lng(m, "params"), state, WeightDigest.fromJson(JsonIn.obj(m, "shared_weights")),
                WeightDigest.fromJson(JsonIn.obj(m, "checkpoint_weights")));
    }
}
