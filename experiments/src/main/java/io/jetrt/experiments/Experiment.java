package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A comparison, as read from an experiment file (see {@link ExperimentParser} and the README): one base
 * model, the variants, the workloads (every prompt length × generation length × batch size), what to
 * measure, on which backends, and the repetition policy every row shares.
 *
 * @param where       the experiment file, as errors name it
 * @param backends    {@code auto} (each layer's preferred backend), {@code reference}, {@code cpu}, {@code cuda}
 * @param repetitions timed runs per row; medians and percentiles are taken over them
 * @param warmup      untimed runs of the same row first (JIT, caches, BLAS threads)
 * @param seed        seed of the token inputs every variant sees
 * @param initSeed    seed of the weights of blocks swapped in (per layer: {@code initSeed * 1000003 + layer})
 * @param contextLengths contexts at which state + KV bytes per sequence are listed and plotted
 * @param evaluation  text for perplexity, or null
 * @param output      directory for results.jsonl and the reports
 */
public record Experiment(String where, String name, ModelSpec model, List<Variant> variants, List<Integer> promptLengths,
                         List<Integer> generationLengths, List<Integer> batchSizes, Set<Metric> metrics, List<String> backends,
                         int repetitions, int warmup, long seed, long initSeed, List<Integer> contextLengths,
                         Evaluation evaluation, Path output) {

    public static final List<String> BACKENDS = List.of("auto", "reference", "cpu", "cuda");

    /** Every prompt length × generation length × batch size, in that nesting order. */
    public List<Workload> workloads() {
        List<Workload> out = new ArrayList<>();
        for (int p : promptLengths) for (int g : generationLengths) for (int b : batchSizes) out.add(new Workload(p, g, b));
        return out;
    }

    public boolean measures(Metric m) { return metrics.contains(m); }

    /** Whether the workloads are run at all: only timed metrics need them. */
    public boolean timed() { return metrics.stream().anyMatch(Metric::timed); }

    public Experiment withOutput(Path dir) {
        return new Experiment(where, name, model, variants, promptLengths, generationLengths, batchSizes, metrics, backends,
                repetitions, warmup, seed, initSeed, contextLengths, evaluation, dir);
    }

    /**
     * Everything that decides the numbers, with defaults filled in, as JSON values: hashed for the config
     * hash and printed in the report (it is how an Experiment is written as JSON). The output directory is left
     * out (moving results changes nothing).
     */
    @JsonValue
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        Map<String, Object> model = new LinkedHashMap<>();
        if (this.model.kind().equals("demo")) model.put("demo", this.model.shape());
        else model.put(this.model.kind(), this.model.written());
        if (!this.model.kind().equals("checkpoint")) model.put("seed", this.model.seed());
        m.put("model", model);
        List<Object> vs = new ArrayList<>();
        for (Variant v : variants) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", v.name());
            o.put("overrides", v.overrides());
            vs.add(o);
        }
        m.put("variants", vs);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("prompt_lengths", promptLengths);
        w.put("generation_lengths", generationLengths);
        w.put("batch_sizes", batchSizes);
        m.put("workloads", w);
        m.put("metrics", metrics.stream().map(Metric::id).toList());
        m.put("backends", backends);
        m.put("repetitions", repetitions);
        m.put("warmup", warmup);
        m.put("seed", seed);
        m.put("init_seed", initSeed);
        m.put("context_lengths", contextLengths);
        if (evaluation != null) {
            Map<String, Object> e = new LinkedHashMap<>();
            if (evaluation.file() != null) e.put("file", evaluation.written());
            else e.put("text", evaluation.text());
            e.put("max_tokens", evaluation.maxTokens());
            e.put("chunk", evaluation.chunk());
            m.put("evaluation", e);
        }
        return m;
    }
}
