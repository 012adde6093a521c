package io.jetrt.experiments;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One timed row: a variant × workload × backend. Token counts are counted per repetition as the tokens fed
 * and chosen (every repetition runs the same shape); times are per repetition, and {@code stepMs} holds
 * every decode step of every repetition. Derived figures (tok/s, medians, percentiles) are computed from
 * these raw values, so the JSON can be checked against itself.
 *
 * @param layerBackends    the backends the layers ran on, e.g. {@code cpu} or {@code reference,cpu}
 * @param prefillTokens    prompt tokens the prefill advanced the state by, summed over the batch, per
 *                         repetition (counted by the model's state; {@code batch × prompt})
 * @param generatedTokens  tokens chosen, per repetition ({@code batch × gen}: no stop token ends a row early)
 * @param decodeSteps      decode steps, per repetition ({@code gen - 1})
 * @param decodeTokens     tokens the decode steps advanced the state by, summed over the batch, per repetition
 *                         (counted by the model's state; {@code batch × (gen - 1)})
 * @param stateBytesPerSeq recurrent state + KV cache bytes per sequence of the state the row ran with
 * @param peakHeapBytes    the heap pools' summed peak usage over the row (JMX), or -1 when not measured
 * @param peakDeviceBytes  device memory peak, or null where the backend has no device
 */
public record PerfRow(String id, String variant, String backend, Workload workload, String status, String reason,
                      String layerBackends, int repetitions, int warmup, long prefillTokens, long generatedTokens,
                      long decodeSteps, long decodeTokens, double[] prefillMs, double[] decodeMs, double[] ttftMs, double[] stepMs,
                      long stateBytesPerSeq, long peakHeapBytes, Long peakDeviceBytes, double seconds) {

    public static String id(String variant, Workload w, String backend) { return "perf:" + variant + "/" + w.id() + "/" + backend; }

    /** A row that could not run (e.g. its backend is not built): kept in the report with the reason. */
    public static PerfRow unavailable(String variant, Workload w, String backend, String reason) {
        return new PerfRow(id(variant, w, backend), variant, backend, w, "unavailable", reason, null, 0, 0, 0, 0, 0, 0,
                new double[0], new double[0], new double[0], new double[0], 0, -1, null, 0);
    }

    public boolean ok() { return status.equals("ok"); }

    public double prefillTokensPerSecond() { return prefillTokens / (Stats.median(prefillMs) / 1e3); }

    /** Tokens chosen by the decode steps (all but each sequence's first) per second; NaN when gen is 1. */
    public double decodeTokensPerSecond() {
        return decodeSteps == 0 ? Double.NaN : (generatedTokens - workload.batch()) / (Stats.median(decodeMs) / 1e3);
    }

    public double ttftMedianMs() { return Stats.median(ttftMs); }

    public double latencyP50Ms() { return Stats.percentile(stepMs, 50); }

    public double latencyP99Ms() { return Stats.percentile(stepMs, 99); }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("row", id);
        m.put("kind", "perf");
        m.put("variant", variant);
        m.put("backend", backend);
        m.put("prompt_len", workload.prompt());
        m.put("gen_len", workload.gen());
        m.put("batch", workload.batch());
        m.put("status", status);
        if (reason != null) m.put("reason", reason);
        if (!ok()) return m;
        m.put("layer_backends", layerBackends);
        m.put("repetitions", repetitions);
        m.put("warmup", warmup);
        m.put("prefill_tokens", prefillTokens);
        m.put("generated_tokens", generatedTokens);
        m.put("decode_steps", decodeSteps);
        m.put("decode_tokens", decodeTokens);
        m.put("prefill_tokens_per_s", prefillTokensPerSecond());
        m.put("decode_tokens_per_s", decodeTokensPerSecond());
        m.put("ttft_ms", ttftMedianMs());
        m.put("latency_p50_ms", latencyP50Ms());
        m.put("latency_p99_ms", latencyP99Ms());
        m.put("state_bytes_per_seq", stateBytesPerSeq);
        m.put("peak_heap_bytes", peakHeapBytes < 0 ? null : peakHeapBytes);
        m.put("peak_device_bytes", peakDeviceBytes);
        m.put("prefill_ms", prefillMs);
        m.put("decode_ms", decodeMs);
        m.put("ttft_ms_each", ttftMs);
        m.put("step_ms", stepMs);
        m.put("seconds", seconds);
        return m;
    }

    public static PerfRow fromJson(Map<String, Object> m) {
        Workload w = new Workload(JsonIn.integer(m, "prompt_len"), JsonIn.integer(m, "gen_len"), JsonIn.integer(m, "batch"));
        String variant = JsonIn.str(m, "variant"), backend = JsonIn.str(m, "backend");
        if (!"ok".equals(m.get("status"))) return unavailable(variant, w, backend, JsonIn.str(m, "reason"));
        Long heap = JsonIn.optLong(m, "peak_heap_bytes");
        return new PerfRow(JsonIn.str(m, "row"), variant, backend, w, "ok", null, JsonIn.str(m, "layer_backends"),
                JsonIn.integer(m, "repetitions"), JsonIn.integer(m, "warmup"), JsonIn.lng(m, "prefill_tokens"),
                JsonIn.lng(m, "generated_tokens"), JsonIn.lng(m, "decode_steps"), JsonIn.lng(m, "decode_tokens"),
                JsonIn.doubles(m, "prefill_ms"), JsonIn.doubles(m, "decode_ms"), JsonIn.doubles(m, "ttft_ms_each"),
                JsonIn.doubles(m, "step_ms"),
                JsonIn.lng(m, "state_bytes_per_seq"), heap == null ? -1 : heap, JsonIn.optLong(m, "peak_device_bytes"),
                JsonIn.dbl(m, "seconds"));
    }
}
