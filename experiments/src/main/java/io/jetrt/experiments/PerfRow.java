package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * One timed row: a variant × workload × backend. Token counts are counted per repetition as the tokens fed
 * and chosen (every repetition runs the same shape); times are per repetition, and {@code stepMs} holds
 * every decode step of every repetition. Derived figures (tok/s, medians, percentiles) are computed from
 * these raw values, so the JSON can be checked against itself.
 *
 * <p>This record is the row's JSON (a line of results.jsonl, an entry of report.json's {@code rows}) in
 * both directions, and the source of each report.csv line: snake_case names, in the order below, the
 * workload's fields ({@code prompt_len}, {@code gen_len}, {@code batch}) in place of {@code workload}.
 *
 * @param layerBackends    the backends the layers ran on, e.g. {@code cpu} or {@code reference,cpu}
 * @param prefillTokens    prompt tokens the prefill advanced the state by, summed over the batch, per
 *                         repetition (counted by the model's state; {@code batch × prompt})
 * @param generatedTokens  tokens chosen, per repetition ({@code batch × gen}: no stop token ends a row early)
 * @param decodeSteps      decode steps, per repetition ({@code gen - 1})
 * @param decodeTokens     tokens the decode steps advanced the state by, summed over the batch, per repetition
 *                         (counted by the model's state; {@code batch × (gen - 1)})
 * @param stateBytesPerSeq recurrent state + KV cache bytes per sequence of the state the row ran with
 * @param peakHeapBytes    the heap pools' summed peak usage over the row (JMX), or -1 when not measured (null in JSON)
 * @param peakDeviceBytes  device memory peak, or null where the backend has no device
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"row", "kind", "variant", "backend", "workload", "status", "reason", "layer_backends",
        "repetitions", "warmup", "prefill_tokens", "generated_tokens", "decode_steps", "decode_tokens", "prefill_tokens_per_s",
        "decode_tokens_per_s", "ttft_ms", "latency_p50_ms", "latency_p99_ms", "state_bytes_per_seq", "peak_heap_bytes",
        "peak_device_bytes", "prefill_ms", "decode_ms", "ttft_ms_each", "step_ms", "seconds"})
public record PerfRow(@JsonProperty("row") String id, String variant, String backend, @JsonUnwrapped Workload workload, String status,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String reason,
                      @Measured String layerBackends, @Measured int repetitions, @Measured int warmup, @Measured long prefillTokens,
                      @Measured long generatedTokens, @Measured long decodeSteps, @Measured long decodeTokens,
                      @Measured double[] prefillMs, @Measured double[] decodeMs, @Measured @JsonProperty("ttft_ms_each") double[] ttftMs,
                      @Measured double[] stepMs, @Measured long stateBytesPerSeq,
                      @Measured @JsonSerialize(using = Unmeasured.Writer.class) @JsonDeserialize(using = Unmeasured.Reader.class) long peakHeapBytes,
                      @Measured Long peakDeviceBytes, @Measured double seconds) implements Measured.Row {

    public static String id(String variant, Workload w, String backend) { return "perf:" + variant + "/" + w.id() + "/" + backend; }

    /** A row that could not run (e.g. its backend is not built): kept in the report with the reason. */
    public static PerfRow unavailable(String variant, Workload w, String backend, String reason) {
        return new PerfRow(id(variant, w, backend), variant, backend, w, "unavailable", reason, null, 0, 0, 0, 0, 0, 0,
                new double[0], new double[0], new double[0], new double[0], 0, -1, null, 0);
    }

    @JsonProperty("kind")
    String kind() { return "perf"; }

    @Override
    public boolean ok() { return status.equals("ok"); }

    @Measured @JsonProperty("prefill_tokens_per_s")
    public double prefillTokensPerSecond() { return prefillTokens / (Stats.median(prefillMs) / 1e3); }

    /** Tokens chosen by the decode steps (all but each sequence's first) per second; NaN when gen is 1. */
    @Measured @JsonProperty("decode_tokens_per_s")
    public double decodeTokensPerSecond() {
        return decodeSteps == 0 ? Double.NaN : (generatedTokens - workload.batch()) / (Stats.median(decodeMs) / 1e3);
    }

    @Measured @JsonProperty("ttft_ms")
    public double ttftMedianMs() { return Stats.median(ttftMs); }

    @Measured @JsonProperty("latency_p50_ms")
    public double latencyP50Ms() { return Stats.percentile(stepMs, 50); }

    @Measured @JsonProperty("latency_p99_ms")
    public double latencyP99Ms() { return Stats.percentile(stepMs, 99); }
}
