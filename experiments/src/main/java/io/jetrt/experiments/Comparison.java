package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a report shows: the experiment and its config hash, the base model, the machine, each
 * variant's profile, and the rows in plan order (variant, then backend, then workload), finished ones and
 * those that could not run. Built from results.jsonl, so a resumed run reports every row.
 *
 * @param computed rows run by this invocation
 * @param resumed  rows found finished in results.jsonl
 * @param complete false when the run stopped early ({@code --max-rows})
 */
public record Comparison(Experiment experiment, String configHash, BaseModel model, Map<String, Object> environment,
                         List<VariantProfile> profiles, List<PerfRow> perf, List<QualityRow> quality, int computed, int resumed,
                         boolean complete) {

    public Optional<VariantProfile> profile(String variant) {
        return profiles.stream().filter(p -> p.variant().equals(variant)).findFirst();
    }

    public Optional<QualityRow> quality(String variant, String backend) {
        return quality.stream().filter(q -> q.variant().equals(variant) && q.backend().equals(backend)).findFirst();
    }

    /** The JSON report: the same numbers as every other output, plus the raw samples. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", experiment.toJson());
        m.put("config_hash", configHash);
        m.put("complete", complete);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("dir", this.model.dir().toString());
        model.put("fingerprint", this.model.fingerprint());
        m.put("model", model);
        Map<String, Object> seeds = new LinkedHashMap<>();
        seeds.put("inputs", experiment.seed());
        seeds.put("init", experiment.initSeed());
        seeds.put("init_per_layer", "init * 1000003 + layer");
        if (!experiment.model().kind().equals("checkpoint")) seeds.put("model_weights", experiment.model().seed());
        m.put("seeds", seeds);
        m.put("environment", environment);
        List<Object> vs = new ArrayList<>();
        for (VariantProfile p : profiles) vs.add(p.toJson());
        m.put("variants", vs);
        List<Object> rows = new ArrayList<>();
        for (PerfRow r : perf) rows.add(r.toJson());
        m.put("rows", rows);
        List<Object> q = new ArrayList<>();
        for (QualityRow r : quality) q.add(r.toJson());
        m.put("perplexity", q);
        return m;
    }
}
