package io.jetrt.experiments;

import java.util.Arrays;
import java.util.List;

/** What an experiment measures; the experiment file names them in {@code metrics}. */
public enum Metric {
    /** Prompt tokens per second through one prefill of the whole batch. */
    PREFILL,
    /** Generated tokens per second over the decode steps (the first token comes from the prefill). */
    DECODE,
    /** Time to first token: the prefill plus choosing the first token. */
    TTFT,
    /** Per-token decode latency, p50 and p99 over every step of every repetition. */
    LATENCY,
    /** Recurrent state + KV cache bytes per sequence, at each workload's context and at {@code context_lengths}. */
    STATE,
    /** Peak JVM heap over a row (and device memory where the backend has one). */
    PEAK_MEMORY,
    /** Parameter count of each variant. */
    PARAMS,
    /** Perplexity on the evaluation text. */
    PERPLEXITY;

    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static List<String> ids() { return Arrays.stream(values()).map(Metric::id).toList(); }

    public static Metric of(String id) { return valueOf(id.toUpperCase(java.util.Locale.ROOT)); }

    /** Metrics measured by running the workloads (the others need no timed run). */
    public boolean timed() { return this == PREFILL || this == DECODE || this == TTFT || this == LATENCY || this == PEAK_MEMORY; }
}
