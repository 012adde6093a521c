package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.util.Arrays;

/**
 * One timed row: a variant × workload × backend. Token counts are counted per repetition as the tokens fed
 * and chosen (every repetition runs the same shape); times are per repetition, and {@code stepMs} holds
 * every decode step of every repetition. Derived figures (tok/s, medians, spreads, percentiles, percent of
 * floor) are computed from these raw values, so the JSON can be checked against itself.
 *
 * <p>This record is the row's JSON (a line of results.jsonl, an entry of report.json's {@code rows}) in
 * both directions, and the source of each report.csv line: snake_case names, in the order below, the
 * workload's fields ({@code prompt_len}, {@code gen_len}, {@code batch}, {@code fill}) in place of {@code workload}.
 *
 * <p>Status: {@code ok}; {@code unavailable} (the variant cannot be composed on the backend); {@code skipped}
 * (it cannot fit: {@code bytesNeeded} against {@code bytesFree}); {@code failed} (it ran and threw: out of memory,
 * a kernel fault, a faulty plug-in). Only ok rows carry measurements.
 *
 * @param layerBackends    the backends the layers ran on, e.g. {@code cpu} or {@code reference,cpu}
 * @param batchRun         the batch that ran: the workload's, or what fits when it asks for the largest or more than fits
 * @param batchNote        why {@code batchRun} differs from the workload's batch (null when it does not)
 * @param warmup           untimed runs before the timed ones (until two in a row agreed, or the cap)
 * @param prefillTokens    prompt tokens the prefill advanced the state by, summed over the batch, per
 *                         repetition ({@code batch × prompt}; 0 for a synthetic context)
 * @param generatedTokens  tokens chosen, per repetition ({@code batch × gen}: no stop token ends a row early; a synthetic
 *                         context has no prefill to choose the first, so {@code batch × (gen - 1)})
 * @param decodeSteps      decode steps, per repetition ({@code gen - 1})
 * @param decodeTokens     tokens the decode steps advanced the state by, summed over the batch, per repetition
 * @param prefillMs        per repetition; empty for a synthetic context (nothing was prefilled)
 * @param stateBytesPerSeq recurrent state + KV cache bytes per sequence of the state the row ran with
 * @param prefillFloor     tokens/s the variant's prefill FLOPs allow at the measured GEMM rate (NaN: no prefill)
 * @param decodeFloor      tokens/s the bytes one decode step reads and writes allow at the measured bandwidth (NaN: no decode)
 * @param peakHeapBytes    the heap pools' summed peak usage over a run above what was live at its start (the loaded
 *                         variants), the most over the row's runs (JMX), or -1 when not measured (null in JSON)
 * @param peakDeviceBytes  the device memory the row needs: the variant's weights, its state and the most scratch a run took
 *                         at once (the other variants loaded beside it are not counted), or null where there is no device
 * @param bytesNeeded      for a skipped row: the bytes it would need
 * @param bytesFree        for a skipped row: the bytes there were
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"row", "kind", "variant", "backend", "workload", "status", "reason", "layer_backends", "batch_run", "batch_note",
        "repetitions", "warmup", "prefill_tokens", "generated_tokens", "decode_steps", "decode_tokens",
        "prefill_tokens_per_s", "prefill_tokens_per_s_min", "prefill_tokens_per_s_max", "prefill_floor_tokens_per_s", "prefill_percent_of_floor",
        "decode_tokens_per_s", "decode_tokens_per_s_min", "decode_tokens_per_s_max", "decode_floor_tokens_per_s", "decode_percent_of_floor",
        "wide_spread", "ttft_ms", "latency_p50_ms", "latency_p99_ms", "state_bytes_per_seq", "peak_heap_bytes", "peak_device_bytes",
        "bytes_needed", "bytes_free", "prefill_ms", "decode_ms", "ttft_ms_each", "step_ms", "seconds"})
public record PerfRow(@JsonProperty("row") String id, String variant, String backend, @JsonUnwrapped Workload workload, String status,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String reason,
                      @Measured String layerBackends, @Measured int batchRun, @JsonInclude(JsonInclude.Include.NON_NULL) String batchNote,
                      @Measured int repetitions, @Measured int warmup, @Measured long prefillTokens,
                      @Measured long generatedTokens, @Measured long decodeSteps, @Measured long decodeTokens,
                      @Measured double[] prefillMs, @Measured double[] decodeMs, @Measured @JsonProperty("ttft_ms_each") double[] ttftMs,
                      @Measured double[] stepMs, @Measured long stateBytesPerSeq,
                      @Measured @JsonProperty("prefill_floor_tokens_per_s") double prefillFloor,
                      @Measured @JsonProperty("decode_floor_tokens_per_s") double decodeFloor,
                      @Measured @JsonSerialize(using = Unmeasured.Writer.class) @JsonDeserialize(using = Unmeasured.Reader.class) long peakHeapBytes,
                      @Measured Long peakDeviceBytes, @JsonInclude(JsonInclude.Include.NON_NULL) Long bytesNeeded,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Long bytesFree, @Measured double seconds) implements Measured.Row {

    public PerfRow {
        // rows written before batch_run existed ran the workload's batch
        if (status.equals("ok") && batchRun == 0 && !workload.largest()) batchRun = workload.batch();
    }

    /** A figure whose (max − min) / median over the repetitions exceeds this is flagged ({@link #wideSpread}). */
    public static final double SPREAD_LIMIT = 0.10;

    public static String id(String variant, Workload w, String backend) { return "perf:" + variant + "/" + w.id() + "/" + backend; }

    /** A row that could not run (e.g. its backend is not built): kept in the report with the reason. */
    public static PerfRow unavailable(String variant, Workload w, String backend, String reason) {
        return notRun("unavailable", variant, w, backend, reason, null, null);
    }

    /** A row that cannot fit: the bytes it needs against those free, with the reason. */
    public static PerfRow skipped(String variant, Workload w, String backend, String reason, long needed, long free) {
        return notRun("skipped", variant, w, backend, reason, needed, free);
    }

    /** A row that threw while it ran (out of memory, a kernel fault, a faulty plug-in): the others go on. */
    public static PerfRow failed(String variant, Workload w, String backend, String reason) {
        return notRun("failed", variant, w, backend, reason, null, null);
    }

    private static PerfRow notRun(String status, String variant, Workload w, String backend, String reason, Long needed, Long free) {
        return new PerfRow(id(variant, w, backend), variant, backend, w, status, reason, null, 0, null, 0, 0, 0, 0, 0, 0,
                new double[0], new double[0], new double[0], new double[0], 0, Double.NaN, Double.NaN, -1, null, needed, free, 0);
    }

    @JsonProperty("kind")
    String kind() { return "perf"; }

    @Override
    public boolean ok() { return status.equals("ok"); }

    @Measured @JsonProperty("prefill_tokens_per_s")
    public double prefillTokensPerSecond() { return prefillTokens / (Stats.median(prefillMs) / 1e3); }

    @Measured @JsonProperty("prefill_tokens_per_s_min")
    public double prefillTokensPerSecondMin() { return prefillTokens / (Stats.max(prefillMs) / 1e3); }

    @Measured @JsonProperty("prefill_tokens_per_s_max")
    public double prefillTokensPerSecondMax() { return prefillTokens / (Stats.min(prefillMs) / 1e3); }

    @Measured @JsonProperty("prefill_percent_of_floor")
    public double prefillPercentOfFloor() { return 100 * prefillTokensPerSecond() / prefillFloor; }

    /** Tokens the decode steps fed and chose (all but each sequence's first) per second; NaN when gen is 1. */
    @Measured @JsonProperty("decode_tokens_per_s")
    public double decodeTokensPerSecond() { return decodeRate(Stats.median(decodeMs)); }

    @Measured @JsonProperty("decode_tokens_per_s_min")
    public double decodeTokensPerSecondMin() { return decodeRate(Stats.max(decodeMs)); }

    @Measured @JsonProperty("decode_tokens_per_s_max")
    public double decodeTokensPerSecondMax() { return decodeRate(Stats.min(decodeMs)); }

    @Measured @JsonProperty("decode_percent_of_floor")
    public double decodePercentOfFloor() { return 100 * decodeTokensPerSecond() / decodeFloor; }

    private double decodeRate(double ms) { return decodeSteps == 0 ? Double.NaN : decodeTokens / (ms / 1e3); }

    /** Whether prefill's or decode's tokens/s spread over the repetitions by more than {@link #SPREAD_LIMIT} of the median. */
    @Measured @JsonProperty("wide_spread")
    public boolean wideSpread() { return spread(prefillMs) > SPREAD_LIMIT || (decodeSteps > 0 && spread(decodeMs) > SPREAD_LIMIT); }

    /** (max − min) / median of the rates 1 / ms: the same as of the times' reciprocals; 0 for fewer than two samples. */
    static double spread(double[] ms) {
        if (ms.length < 2) return 0;
        double[] rates = Arrays.stream(ms).map(x -> 1 / x).toArray();
        return (Stats.max(rates) - Stats.min(rates)) / Stats.median(rates);
    }

    @Measured @JsonProperty("ttft_ms")
    public double ttftMedianMs() { return Stats.median(ttftMs); }

    @Measured @JsonProperty("latency_p50_ms")
    public double latencyP50Ms() { return Stats.percentile(stepMs, 50); }

    @Measured @JsonProperty("latency_p99_ms")
    public double latencyP99Ms() { return Stats.percentile(stepMs, 99); }
}
