package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A comparison, as read from an experiment file (see {@link ExperimentParser} and the README): one base
 * model, the variants, the workloads (one or more sets of prompt lengths × generation lengths × batch sizes),
 * what to measure, on which backends, and the measurement policy every row shares.
 *
 * @param where       the experiment file, as errors name it
 * @param backends    {@code auto} (each layer's preferred backend), {@code reference}, {@code cpu}, {@code cuda}
 * @param repetitions timed runs per row; medians and percentiles are taken over them
 * @param warmup      untimed runs of the same row at least (JIT, caches, BLAS threads, clocks)
 * @param warmupMax   untimed runs at most: warm-up goes on until two runs in a row agree within {@link #STABLE}
 * @param seed        seed of the token inputs every variant sees
 * @param initSeed    seed of the weights of blocks swapped in (per layer: {@code initSeed * 1000003 + layer})
 * @param contextLengths contexts at which state + KV bytes per sequence are listed and plotted
 * @param evaluation  text for perplexity, or null
 * @param output      directory for results.jsonl and the reports
 */
public record Experiment(String where, String name, ModelSpec model, List<Variant> variants, List<WorkloadSet> workloadSets,
                         Set<Metric> metrics, List<String> backends, int repetitions, int warmup, int warmupMax, long seed,
                         long initSeed, List<Integer> contextLengths, Evaluation evaluation, Path output) {

    public static final List<String> BACKENDS = List.of("auto", "reference", "cpu", "cuda");
    /** Warm-up ends when a run's prefill and decode times are each within this fraction of the run before. */
    public static final double STABLE = 0.05;
    /** The cap on warm-up runs when the file sets none: enough for the JIT on tiny models, seldom reached on big ones. */
    public static final int DEFAULT_WARMUP_MAX = 8;

    /** {@code warmup_max} when the file gives none: none after a warm-up of 0 (asked for no warm-up), else the default cap. */
    public static int defaultWarmupMax(int warmup) { return warmup == 0 ? 0 : Math.max(warmup, DEFAULT_WARMUP_MAX); }

    /** Every workload of every set, in file order (duplicates once). */
    public List<Workload> workloads() {
        LinkedHashSet<Workload> out = new LinkedHashSet<>();
        for (WorkloadSet s : workloadSets) out.addAll(s.workloads());
        return new ArrayList<>(out);
    }

    public List<Integer> promptLengths() { return workloads().stream().map(Workload::prompt).distinct().toList(); }

    public List<Integer> generationLengths() { return workloads().stream().map(Workload::gen).distinct().toList(); }

    public List<Integer> batchSizes() { return workloads().stream().map(Workload::batch).distinct().toList(); }

    /** How rows are measured, in one sentence for the report (no final full stop: the HTML adds one). */
    public String measurementPolicy() {
        return "Each workload runs every variant of a backend in turn: first each variant's warm-up ("
                + (warmupMax == 0 ? "none" : "at least " + warmup + ", at most " + warmupMax + " untimed runs, until a run's prefill and decode times are within "
                + Math.round(STABLE * 100) + "% of the run before") + "), then " + repetitions + " timed round(s), the variants' order rotated by one "
                + "each round, so no variant always runs first or last; rates are medians over the rounds, with their min and max, latency "
                + "percentiles are over every decode step";
    }

    public boolean measures(Metric m) { return metrics.contains(m); }

    /** Whether the workloads are run at all: only timed metrics need them. */
    public boolean timed() { return metrics.stream().anyMatch(Metric::timed); }

    public Experiment withOutput(Path dir) {
        return new Experiment(where, name, model, variants, workloadSets, metrics, backends, repetitions, warmup, warmupMax, seed,
                initSeed, contextLengths, evaluation, dir);
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
            if (v.retrofit() != null) o.put("retrofit", v.retrofit().toJson()); // absent otherwise: older files keep their hash
            vs.add(o);
        }
        m.put("variants", vs);
        // one set as an object, as files were before sets could be listed: the config hash of such a file stays the same
        m.put("workloads", workloadSets.size() == 1 ? workloadSets.getFirst().toJson() : workloadSets.stream().map(WorkloadSet::toJson).toList());
        m.put("metrics", metrics.stream().map(Metric::id).toList());
        m.put("backends", backends);
        m.put("repetitions", repetitions);
        m.put("warmup", warmup);
        if (warmupMax != defaultWarmupMax(warmup)) m.put("warmup_max", warmupMax);
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
