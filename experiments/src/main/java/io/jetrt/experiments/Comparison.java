package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Optional;

/**
 * Everything a report shows: the experiment and its config hash, the base model, the machine, each
 * variant's profile, and the rows in plan order (variant, then backend, then workload), finished ones and
 * those that could not run. Built from results.jsonl, so a resumed run reports every row. This record is
 * report.json: the same numbers as every other output, plus the raw samples.
 *
 * @param computed rows run by this invocation
 * @param resumed  rows found finished in results.jsonl
 * @param complete false when rows of the plan have not run yet ({@code --max-rows}, a shard, a merge of some shards)
 * @param notes    what the reader must know about how rows ran (e.g. variants not interleaved, and why)
 */
@JsonPropertyOrder({"experiment", "config_hash", "complete", "policy", "notes", "model", "seeds", "environment", "variants", "rows", "perplexity"})
public record Comparison(Experiment experiment, @JsonProperty("config_hash") String configHash, BaseModel model, Environment environment,
                         @JsonProperty("variants") List<VariantProfile> profiles, @JsonProperty("rows") List<PerfRow> perf,
                         @JsonProperty("perplexity") List<QualityRow> quality, @JsonIgnore int computed, @JsonIgnore int resumed,
                         boolean complete, List<String> notes) {

    /** Each retrofitted variant's training result (its retrofit's result.json), by variant name; empty when none is. */
    @JsonProperty("retrofits")
    public java.util.Map<String, java.util.Map<String, Object>> retrofits() { return VariantRetrofit.results(experiment, model); }

    public Comparison(Experiment experiment, String configHash, BaseModel model, Environment environment, List<VariantProfile> profiles,
                      List<PerfRow> perf, List<QualityRow> quality, int computed, int resumed, boolean complete) {
        this(experiment, configHash, model, environment, profiles, perf, quality, computed, resumed, complete, List.of());
    }

    /** How rows were measured ({@link Experiment#measurementPolicy}). */
    @JsonProperty("policy")
    public String policy() { return experiment.measurementPolicy(); }

    /**
     * The seeds every number depends on.
     *
     * @param modelWeights seed of a random base model's weights; null (left out) for a checkpoint
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Seeds(long inputs, long init, String initPerLayer, @JsonInclude(JsonInclude.Include.NON_NULL) Long modelWeights) {}

    public Optional<VariantProfile> profile(String variant) {
        return profiles.stream().filter(p -> p.variant().equals(variant)).findFirst();
    }

    public Optional<QualityRow> quality(String variant, String backend) {
        return quality.stream().filter(q -> q.variant().equals(variant) && q.backend().equals(backend)).findFirst();
    }

    @JsonProperty("seeds")
    Seeds seeds() {
        return new Seeds(experiment.seed(), experiment.initSeed(), "init * 1000003 + layer",
                experiment.model().kind().equals("checkpoint") ? null : experiment.model().seed());
    }
}
