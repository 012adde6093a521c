package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * What a variant is, independent of timing: its layer types and where each layer's block and weights came
 * from, its parameter count, its state + KV bytes per sequence at each context length (from the blocks'
 * declared state layouts), and digests of the checkpoint weights it uses. This record is the variant's JSON
 * (a line of results.jsonl, an entry of report.json's {@code variants}) in both directions.
 *
 * @param swappedLayers       layers whose block type differs from the checkpoint's (seeded upstream init)
 * @param stateBytesByContext state + KV bytes per sequence (float32) at each context length
 * @param shared              digest of the tensors no variant of the experiment swaps: equal across variants
 * @param own                 digest of every checkpoint tensor this variant uses (all but its swapped layers' blocks)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"row", "kind"})
public record VariantProfile(String variant, String overrides, List<String> layerTypes, List<Integer> swappedLayers,
                             List<LayerInfo> layers, long params, List<StateBytes> stateBytesByContext,
                             @JsonProperty("shared_weights") WeightDigest shared, @JsonProperty("checkpoint_weights") WeightDigest own) {

    /** One layer as bound: block type, bundle (symbolic name and version), provider version, weight source. */
    public record LayerInfo(int index, String type, String bundle, String provider, String weights) {}

    /** State + KV bytes per sequence at {@code context} tokens. */
    public record StateBytes(int context, long bytes) {}

    public static String id(String variant) { return "variant:" + variant; }

    @JsonProperty("row")
    String id() { return id(variant); }

    @JsonProperty("kind")
    String kind() { return "variant"; }

    /** State + KV bytes per sequence at {@code context} tokens, or -1 where it was not listed. */
    public long stateBytes(int context) {
        return stateBytesByContext.stream().filter(s -> s.context() == context).mapToLong(StateBytes::bytes).findFirst().orElse(-1);
    }
}
