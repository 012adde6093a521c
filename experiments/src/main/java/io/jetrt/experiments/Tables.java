package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The two tables every report shows, as header + cells, columns limited to the experiment's metrics: the
 * variants (what they are, parameters, state at each context, perplexity) and the timed rows. The console
 * and the HTML report render the same cells.
 */
final class Tables {
    private Tables() {}

    /** A table's content; {@code numeric[c]} right-aligns column c; {@code muted} marks rows that could not run. */
    record Table(List<String> headers, boolean[] numeric, List<List<String>> rows, List<Boolean> muted, List<String> notes) {
        String render() {
            TextTable t = new TextTable(headers, numeric);
            rows.forEach(t::add);
            StringBuilder b = new StringBuilder(t.render());
            for (String n : notes) b.append(n).append('\n');
            return b.toString();
        }
    }

    private record Col<T>(String header, boolean numeric, Function<T, String> cell) {}

    static Table variants(Comparison c) {
        Experiment e = c.experiment();
        List<Col<Variant>> cols = new ArrayList<>();
        cols.add(new Col<>("variant", false, Variant::name));
        cols.add(new Col<>("overrides", false, v -> v.overrides().isBlank() ? "(base model)" : v.overrides()));
        cols.add(new Col<>("layers", false, v -> c.profile(v.name()).map(p -> runs(p.layerTypes())).orElse(Format.NONE)));
        cols.add(new Col<>("swapped", false, v -> c.profile(v.name())
                .map(p -> p.swappedLayers().isEmpty() ? "none" : ranges(p.swappedLayers())).orElse(Format.NONE)));
        if (e.measures(Metric.PARAMS)) {
            cols.add(new Col<>("params", true, v -> c.profile(v.name()).map(p -> Format.count(p.params())).orElse(Format.NONE)));
        }
        if (e.measures(Metric.STATE)) {
            for (int ctx : e.contextLengths()) {
                cols.add(new Col<>("state@" + Format.tokens(ctx), true, v -> c.profile(v.name())
                        .map(p -> Format.bytes(p.stateBytes(ctx))).orElse(Format.NONE)));
            }
        }
        if (e.measures(Metric.PERPLEXITY)) {
            for (String b : e.backends()) {
                cols.add(new Col<>("ppl " + b, true, v -> c.quality(v.name(), b)
                        .map(q -> q.ok() ? Format.sig(q.perplexity()) : "unavailable").orElse(Format.NONE)));
            }
        }
        List<String> notes = new ArrayList<>();
        for (QualityRow q : c.quality()) {
            if (!q.ok()) notes.add("* perplexity of " + q.variant() + " on " + q.backend() + " unavailable: " + q.reason());
        }
        return build(cols, e.variants(), v -> false, notes);
    }

    static Table rows(Comparison c) {
        Experiment e = c.experiment();
        List<Col<PerfRow>> cols = new ArrayList<>();
        cols.add(new Col<>("variant", false, PerfRow::variant));
        cols.add(new Col<>("backend", false, PerfRow::backend));
        cols.add(new Col<>("prompt", true, r -> String.valueOf(r.workload().prompt())));
        cols.add(new Col<>("gen", true, r -> String.valueOf(r.workload().gen())));
        cols.add(new Col<>("batch", true, r -> String.valueOf(r.workload().batch())));
        int firstMetric = cols.size();
        metric(cols, e, Metric.PREFILL, "prefill tok/s", r -> Format.num(r.prefillTokensPerSecond(), 1), firstMetric);
        metric(cols, e, Metric.DECODE, "decode tok/s", r -> Format.num(r.decodeTokensPerSecond(), 1), firstMetric);
        metric(cols, e, Metric.TTFT, "TTFT ms", r -> Format.sig(r.ttftMedianMs()), firstMetric);
        metric(cols, e, Metric.LATENCY, "p50 ms", r -> Format.sig(r.latencyP50Ms()), firstMetric);
        metric(cols, e, Metric.LATENCY, "p99 ms", r -> Format.sig(r.latencyP99Ms()), firstMetric);
        metric(cols, e, Metric.STATE, "state/seq", r -> Format.bytes(r.stateBytesPerSeq()), firstMetric);
        metric(cols, e, Metric.PEAK_MEMORY, "peak heap", r -> Format.bytes(r.peakHeapBytes()), firstMetric);
        // one note per variant and backend: the reason is the same for all its workloads
        Map<String, List<PerfRow>> down = new LinkedHashMap<>();
        for (PerfRow r : c.perf()) if (!r.ok()) down.computeIfAbsent(r.variant() + " on " + r.backend(), k -> new ArrayList<>()).add(r);
        List<String> notes = new ArrayList<>();
        down.forEach((who, rs) -> notes.add("* " + who + " unavailable (" + rs.size() + " row" + (rs.size() == 1 ? "" : "s") + "): "
                + rs.getFirst().reason()));
        return build(cols, c.perf(), r -> !r.ok(), notes);
    }

    /** Adds a metric column; the first metric column of an unavailable row says so, the others show "-". */
    private static void metric(List<Col<PerfRow>> cols, Experiment e, Metric m, String header, Function<PerfRow, String> f,
                               int firstMetric) {
        if (!e.measures(m)) return;
        boolean first = cols.size() == firstMetric;
        cols.add(new Col<>(header, true, r -> r.ok() ? f.apply(r) : first ? "unavailable" : Format.NONE));
    }

    /** Layer types with repeats folded, so that 28 layers fit a column: "jet×14 attn jet×4 attn swa×2 jet×6". */
    static String runs(List<String> types) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < types.size(); ) {
            int j = i;
            while (j < types.size() && types.get(j).equals(types.get(i))) j++;
            b.append(b.isEmpty() ? "" : " ").append(types.get(i)).append(j - i > 1 ? "×" + (j - i) : "");
            i = j;
        }
        return b.toString();
    }

    /** Sorted layer indices as ranges: "0-13,15-18,22-27". */
    static String ranges(List<Integer> xs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < xs.size(); ) {
            int j = i;
            while (j + 1 < xs.size() && xs.get(j + 1) == xs.get(j) + 1) j++;
            b.append(b.isEmpty() ? "" : ",").append(xs.get(i)).append(j > i ? "-" + xs.get(j) : "");
            i = j + 1;
        }
        return b.toString();
    }

    private static <T> Table build(List<Col<T>> cols, List<T> items, java.util.function.Predicate<T> muted, List<String> notes) {
        List<String> headers = cols.stream().map(Col::header).toList();
        boolean[] numeric = new boolean[cols.size()];
        for (int i = 0; i < numeric.length; i++) numeric[i] = cols.get(i).numeric();
        List<List<String>> rows = new ArrayList<>();
        for (T item : items) rows.add(cols.stream().map(col -> col.cell().apply(item)).toList());
        return new Table(headers, numeric, rows, items.stream().map(muted::test).toList(), notes);
    }
}
