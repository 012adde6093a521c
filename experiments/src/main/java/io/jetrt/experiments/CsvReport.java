package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The numbers as CSV, unformatted (full precision, bytes as integers, empty where there is no value):
 * {@code report.csv} one line per timed row, {@code variants.csv} one line per variant.
 */
final class CsvReport {
    private CsvReport() {}

    static String rows(Comparison c) {
        StringBuilder b = new StringBuilder();
        line(b, List.of("variant", "backend", "prompt_len", "gen_len", "batch", "status", "layer_backends", "repetitions", "warmup",
                "prefill_tokens", "generated_tokens", "decode_steps", "prefill_tokens_per_s", "decode_tokens_per_s", "ttft_ms",
                "latency_p50_ms", "latency_p99_ms", "state_bytes_per_seq", "peak_heap_bytes", "peak_device_bytes", "reason"));
        for (PerfRow r : c.perf()) {
            boolean ok = r.ok();
            line(b, List.of(r.variant(), r.backend(), str(r.workload().prompt()), str(r.workload().gen()), str(r.workload().batch()),
                    r.status(), ok ? r.layerBackends() : "", ok ? str(r.repetitions()) : "", ok ? str(r.warmup()) : "",
                    ok ? str(r.prefillTokens()) : "", ok ? str(r.generatedTokens()) : "", ok ? str(r.decodeSteps()) : "",
                    ok ? num(r.prefillTokensPerSecond()) : "", ok ? num(r.decodeTokensPerSecond()) : "", ok ? num(r.ttftMedianMs()) : "",
                    ok ? num(r.latencyP50Ms()) : "", ok ? num(r.latencyP99Ms()) : "", ok ? str(r.stateBytesPerSeq()) : "",
                    ok && r.peakHeapBytes() >= 0 ? str(r.peakHeapBytes()) : "", r.peakDeviceBytes() == null ? "" : str(r.peakDeviceBytes()),
                    r.reason() == null ? "" : r.reason()));
        }
        return b.toString();
    }

    static String variants(Comparison c) {
        Experiment e = c.experiment();
        List<String> head = new ArrayList<>(List.of("variant", "overrides", "layer_types", "swapped_layers", "params"));
        for (int ctx : e.contextLengths()) head.add("state_bytes_at_" + ctx);
        for (String be : e.backends()) head.add("perplexity_" + be);
        head.add("shared_weights_sha256");
        StringBuilder b = new StringBuilder();
        line(b, head);
        for (Variant v : e.variants()) {
            VariantProfile p = c.profile(v.name()).orElse(null);
            List<String> cells = new ArrayList<>(List.of(v.name(), v.overrides(), p == null ? "" : String.join(" ", p.layerTypes()),
                    p == null ? "" : String.join(" ", p.swappedLayers().stream().map(String::valueOf).toList()),
                    p == null ? "" : str(p.params())));
            for (int ctx : e.contextLengths()) cells.add(p == null ? "" : str(p.stateBytes().getOrDefault(ctx, -1L)));
            for (String be : e.backends()) {
                cells.add(c.quality(v.name(), be).filter(QualityRow::ok).map(q -> num(q.perplexity())).orElse(""));
            }
            cells.add(p == null ? "" : p.shared().sha256());
            line(b, cells);
        }
        return b.toString();
    }

    private static String str(long n) { return Long.toString(n); }

    private static String num(double x) { return Double.isFinite(x) ? String.format(Locale.ROOT, "%.6g", x) : ""; }

    private static void line(StringBuilder b, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) b.append(',');
            String s = cells.get(i);
            if (s.contains(",") || s.contains("\"") || s.contains("\n")) s = "\"" + s.replace("\"", "\"\"") + "\"";
            b.append(s);
        }
        b.append('\n');
    }
}
