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
 * @param complete false when the run stopped early ({@code --max-rows})
 */
@JsonPropertyOrder({"experiment", "config_hash", "complete", "model", "seeds", "environment", "variants", "rows", "perplexity"})
public record Comparison(Experiment experiment, @JsonProperty("config_hash") String configHash, BaseModel model, Environment environment,
                         @JsonProperty("variants") List<VariantProfile> profiles, @JsonProperty("rows") List<PerfRow> perf,
                         @JsonProperty("perplexity") List<QualityRow> quality, @JsonIgnore int computed, @JsonIgnore int resumed,
                         boolean complete) {

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
