package io.jetrt.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers as CSV, unformatted (6 significant digits, bytes as integers, empty where there is no value):
 * {@code report.csv} one line per timed row, its cells the row's JSON properties of the same names;
 * {@code variants.csv} one line per variant.
 */
final class CsvReport {
    private CsvReport() {}

    /**
     * report.csv's columns, in order: properties of {@link PerfRow} (the raw samples are left out). The workload as
     * asked ({@code batch} may be {@code max}; {@code fill} is {@code prefill} or {@code synthetic}), the batch that ran,
     * then each rate beside its min, max, floor and percent of floor, the spread flag, and why a row did not run.
     */
    static final List<String> ROW_COLUMNS = List.of("variant", "backend", "prompt_len", "gen_len", "batch", "fill", "batch_run", "status",
            "layer_backends", "repetitions", "warmup", "prefill_tokens", "generated_tokens", "decode_steps",
            "prefill_tokens_per_s", "prefill_tokens_per_s_min", "prefill_tokens_per_s_max", "prefill_floor_tokens_per_s",
            "prefill_percent_of_floor", "decode_tokens_per_s", "decode_tokens_per_s_min", "decode_tokens_per_s_max",
            "decode_floor_tokens_per_s", "decode_percent_of_floor", "wide_spread", "ttft_ms", "latency_p50_ms", "latency_p99_ms",
            "state_bytes_per_seq", "peak_heap_bytes", "peak_device_bytes", "bytes_needed", "bytes_free", "batch_note", "reason");

    static String rows(Comparison c) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (PerfRow r : c.perf()) {
            // the JSON leaves the default fill out; a CSV cell says it, so that an empty cell always means "no value"
            Map<String, Object> line = Mappers.csv().convertValue(r, new TypeReference<LinkedHashMap<String, Object>>() {});
            line.put("fill", r.workload().fill());
            line.keySet().retainAll(ROW_COLUMNS);
            lines.add(line);
        }
        return write(ROW_COLUMNS, lines);
    }

    /** variants.csv: what each variant is, its state at each context length and its perplexity on each backend. */
    static String variants(Comparison c) {
        Experiment e = c.experiment();
        List<String> columns = new ArrayList<>(List.of("variant", "overrides", "layer_types", "swapped_layers", "params"));
        for (int ctx : e.contextLengths()) columns.add("state_bytes_at_" + ctx);
        for (String be : e.backends()) columns.add("perplexity_" + be);
        columns.add("shared_weights_sha256");
        List<Map<String, Object>> lines = new ArrayList<>();
        for (Variant v : e.variants()) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("variant", v.name());
            line.put("overrides", v.overrides());
            c.profile(v.name()).ifPresent(p -> {
                line.put("layer_types", String.join(" ", p.layerTypes()));
                line.put("swapped_layers", String.join(" ", p.swappedLayers().stream().map(String::valueOf).toList()));
                line.put("params", p.params());
                for (int ctx : e.contextLengths()) line.put("state_bytes_at_" + ctx, p.stateBytes(ctx));
                line.put("shared_weights_sha256", p.shared().sha256());
            });
            for (String be : e.backends()) {
                c.quality(v.name(), be).filter(QualityRow::ok).ifPresent(q -> line.put("perplexity_" + be, q.perplexity()));
            }
            lines.add(line);
        }
        return write(columns, lines);
    }

    /** A header line, then one line per value; a property that is not a column is left out, a column with no property is empty. */
    private static String write(List<String> columns, List<?> lines) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        for (String col : columns) schema.addColumn(col);
        try {
            return Mappers.csv().writer(schema.build()).writeValueAsString(lines);
        } catch (JsonProcessingException x) {
            throw new UncheckedIOException("cannot write CSV columns " + columns, x);
        }
    }
}
