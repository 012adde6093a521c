package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The tables every report shows, as header + cells, columns limited to the experiment's metrics: the
 * variants (what they are, parameters, state at each context, perplexity), the timed rows (each rate with its
 * spread and its percent of floor) and the rows that were skipped or failed. The console and the HTML report
 * render the same cells.
 */
final class Tables {
    private Tables() {}

    /**
     * A table's content; {@code numeric[c]} right-aligns column c; {@code classes} gives each row's HTML classes: the
     * status of a row that did not run, {@code wide-spread}, {@code synthetic}, or "".
     */
    record Table(List<String> headers, boolean[] numeric, List<List<String>> rows, List<String> classes, List<String> notes) {
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
        return build(cols, e.variants(), v -> "", notes);
    }

    static Table rows(Comparison c) {
        Experiment e = c.experiment();
        List<PerfRow> rows = c.perf();
        List<Col<PerfRow>> cols = new ArrayList<>();
        cols.add(new Col<>("variant", false, PerfRow::variant));
        cols.add(new Col<>("backend", false, PerfRow::backend));
        cols.add(new Col<>("prompt", true, r -> String.valueOf(r.workload().prompt())));
        cols.add(new Col<>("gen", true, r -> String.valueOf(r.workload().gen())));
        cols.add(new Col<>("batch", true, Tables::batch));
        boolean synthetic = rows.stream().anyMatch(r -> r.workload().synthetic());
        if (synthetic) cols.add(new Col<>("fill", false, r -> r.workload().fill()));
        int firstMetric = cols.size();
        metric(cols, e, Metric.PREFILL, "prefill tok/s", r -> Format.num(r.prefillTokensPerSecond(), 1), firstMetric);
        metric(cols, e, Metric.PREFILL, "±", r -> spread(r.prefillMs()), firstMetric);
        metric(cols, e, Metric.PREFILL, "of floor", r -> Format.percent(r.prefillPercentOfFloor()), firstMetric);
        metric(cols, e, Metric.DECODE, "decode tok/s", r -> Format.num(r.decodeTokensPerSecond(), 1), firstMetric);
        metric(cols, e, Metric.DECODE, "±", r -> r.decodeSteps() == 0 ? Format.NONE : spread(r.decodeMs()), firstMetric);
        metric(cols, e, Metric.DECODE, "of floor", r -> Format.percent(r.decodePercentOfFloor()), firstMetric);
        metric(cols, e, Metric.TTFT, "TTFT ms", r -> Format.sig(r.ttftMedianMs()), firstMetric);
        metric(cols, e, Metric.LATENCY, "p50 ms", r -> Format.sig(r.latencyP50Ms()), firstMetric);
        metric(cols, e, Metric.LATENCY, "p99 ms", r -> Format.sig(r.latencyP99Ms()), firstMetric);
        metric(cols, e, Metric.STATE, "state/seq", r -> Format.bytes(r.stateBytesPerSeq()), firstMetric);
        metric(cols, e, Metric.PEAK_MEMORY, "peak heap", r -> Format.bytes(r.peakHeapBytes()), firstMetric);
        if (rows.stream().anyMatch(r -> r.peakDeviceBytes() != null)) {
            metric(cols, e, Metric.PEAK_MEMORY, "peak device", r -> r.peakDeviceBytes() == null ? Format.NONE : Format.bytes(r.peakDeviceBytes()),
                    firstMetric);
        }
        List<String> notes = new ArrayList<>();
        if ((e.measures(Metric.PREFILL) || e.measures(Metric.DECODE)) && rows.stream().anyMatch(PerfRow::ok)) {
            notes.add("* ±: half the range (max − min) of tok/s over the repetitions, as a percent of the median (- for one repetition);"
                    + " ~: that range exceeds " + Format.percent(100 * PerfRow.SPREAD_LIMIT) + " of the median (wide_spread)");
            notes.add("* of floor: the median tok/s as a percent of what the hardware allows: prefill, the variant's FLOPs at the"
                    + " measured GEMM rate; decode, the bytes one step reads and writes at the measured bandwidth");
        }
        if (synthetic) {
            notes.add("* synthetic: states and KV caches filled to the prompt length with synthetic values; only the decode is timed");
        }
        for (PerfRow r : rows) {
            if (r.ok() && r.batchNote() != null) {
                notes.add("* " + r.variant() + " on " + r.backend() + ", " + r.workload().id() + ": batch " + batch(r) + ": " + r.batchNote());
            }
        }
        // one note per variant and backend: the reason is the same for all its workloads; skipped and failed rows: notRun
        Map<String, List<PerfRow>> down = new LinkedHashMap<>();
        for (PerfRow r : rows) {
            if (r.status().equals("unavailable")) down.computeIfAbsent(r.variant() + " on " + r.backend(), k -> new ArrayList<>()).add(r);
        }
        down.forEach((who, rs) -> notes.add("* " + who + " unavailable (" + rs.size() + " row" + (rs.size() == 1 ? "" : "s") + "): "
                + rs.getFirst().reason()));
        return build(cols, rows, Tables::rowClass, notes);
    }

    /** Rows that were planned but not measured because they could not fit ({@code skipped}) or threw ({@code failed}), with why. */
    static Table notRun(Comparison c) {
        List<Col<PerfRow>> cols = new ArrayList<>();
        cols.add(new Col<>("variant", false, PerfRow::variant));
        cols.add(new Col<>("backend", false, PerfRow::backend));
        cols.add(new Col<>("workload", false, r -> r.workload().id()));
        cols.add(new Col<>("status", false, PerfRow::status));
        cols.add(new Col<>("needs", true, r -> r.bytesNeeded() == null ? Format.NONE : Format.bytes(r.bytesNeeded())));
        cols.add(new Col<>("free", true, r -> r.bytesFree() == null ? Format.NONE : Format.bytes(r.bytesFree())));
        cols.add(new Col<>("reason", false, r -> r.reason() == null ? Format.NONE : r.reason()));
        List<PerfRow> rows = c.perf().stream().filter(r -> r.status().equals("skipped") || r.status().equals("failed")).toList();
        return build(cols, rows, PerfRow::status, List.of());
    }

    /** The batch that ran: "8"; where it differs from the workload's, "max→96" or "1024→96". */
    static String batch(PerfRow r) {
        String asked = Format.batch(r.workload());
        return r.ok() && r.batchRun() > 0 && r.batchRun() != r.workload().batch() ? asked + "→" + r.batchRun() : asked;
    }

    /** "±2.5%": half of (max − min) / median of the rates; "~" in front when the range is over the spread limit; "-" for one sample. */
    static String spread(double[] ms) {
        if (ms.length < 2) return Format.NONE;
        double s = PerfRow.spread(ms);
        return (s > PerfRow.SPREAD_LIMIT ? "~" : "") + "±" + Format.percent(50 * s);
    }

    /** The HTML row class: the status of a row that did not run; else "wide-spread" and/or "synthetic" (or none). */
    private static String rowClass(PerfRow r) {
        if (!r.ok()) return r.status();
        return ((r.wideSpread() ? "wide-spread " : "") + (r.workload().synthetic() ? "synthetic" : "")).strip();
    }

    /** Adds a metric column; the first metric column of a row that did not run gives its status, the others show "-". */
    private static void metric(List<Col<PerfRow>> cols, Experiment e, Metric m, String header, Function<PerfRow, String> f,
                               int firstMetric) {
        if (!e.measures(m)) return;
        boolean first = cols.size() == firstMetric;
        cols.add(new Col<>(header, true, r -> r.ok() ? f.apply(r) : first ? r.status() : Format.NONE));
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

    private static <T> Table build(List<Col<T>> cols, List<T> items, Function<T, String> classes, List<String> notes) {
        List<String> headers = cols.stream().map(Col::header).toList();
        boolean[] numeric = new boolean[cols.size()];
        for (int i = 0; i < numeric.length; i++) numeric[i] = cols.get(i).numeric();
        List<List<String>> rows = new ArrayList<>();
        for (T item : items) rows.add(cols.stream().map(col -> col.cell().apply(item)).toList());
        return new Table(headers, numeric, rows, items.stream().map(classes).toList(), notes);
    }
}
