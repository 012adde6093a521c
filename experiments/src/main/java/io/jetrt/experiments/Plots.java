package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report's figures, from a comparison: throughput vs context per variant (prefill, decode; error bars
 * min–max over the repetitions), percent of floor per variant and workload (prefill, decode), state + KV
 * bytes per sequence vs context, per-token latency distributions and perplexity. Each variant keeps
 * one colour in every figure; line styles tell apart its backends, batch sizes and generation lengths.
 */
final class Plots {
    private Plots() {}

    /** One figure: an id for links and tests, a title, a caption saying how to read it, and the SVG. */
    record Figure(String id, String title, String caption, String svg) {}

    static List<Figure> all(Comparison c) {
        Experiment e = c.experiment();
        List<Figure> out = new ArrayList<>();
        List<PerfRow> ok = c.perf().stream().filter(PerfRow::ok).toList();
        List<PerfRow> prefilled = ok.stream().filter(r -> !r.workload().synthetic()).toList();
        if (e.measures(Metric.PREFILL) && !prefilled.isEmpty()) {
            out.add(new Figure("plot-prefill", "Prefill throughput vs context length",
                    "Prompt tokens per second (median over repetitions, bars from the slowest to the fastest repetition) against"
                            + " the prompt length; higher is better.",
                    LinePlot.render("plot-prefill", "prompt length (tokens)", "prefill tokens/s",
                            throughput(e, prefilled, true), ticks(e.promptLengths()), Plots::tokens, LinePlot.YScale.LINEAR, Format::sig)));
        }
        List<PerfRow> decoding = ok.stream().filter(r -> r.decodeSteps() > 0).toList();
        if (e.measures(Metric.DECODE) && !decoding.isEmpty()) {
            out.add(new Figure("plot-decode", "Decode throughput vs context length",
                    "Generated tokens per second over the decode steps (median, bars from the slowest to the fastest repetition),"
                            + " against the prompt length the generation continues"
                            + (decoding.stream().anyMatch(r -> r.workload().synthetic()) ? "; synthetic: a context filled with synthetic"
                            + " values, not prefilled" : "") + ".",
                    LinePlot.render("plot-decode", "prompt length (tokens)", "decode tokens/s",
                            throughput(e, decoding, false), ticks(e.promptLengths()), Plots::tokens, LinePlot.YScale.LINEAR, Format::sig)));
        }
        if (e.measures(Metric.PREFILL)) {
            floor(e, prefilled, true, "plot-floor-prefill", "Prefill: percent of floor",
                    "Median prefill tokens/s as a percent of the variant's floor, its FLOPs per token at the measured GEMM rate (dashed"
                            + " line: 100%). Blocks far below their floors differ by implementation, not by architecture.").ifPresent(out::add);
        }
        if (e.measures(Metric.DECODE)) {
            floor(e, decoding, false, "plot-floor-decode", "Decode: percent of floor",
                    "Median decode tokens/s as a percent of the variant's floor, the bytes one step reads and writes (weights, state and"
                            + " KV cache) at the measured bandwidth (dashed line: 100%).").ifPresent(out::add);
        }
        if (e.measures(Metric.STATE) && !c.profiles().isEmpty()) {
            out.add(state(c));
        }
        List<PerfRow> stepped = ok.stream().filter(r -> r.stepMs().length > 0).toList();
        if (e.measures(Metric.LATENCY) && !stepped.isEmpty()) {
            List<BoxPlot.Box> boxes = new ArrayList<>();
            for (PerfRow r : stepped) {
                String label = r.variant() + " " + r.workload().id() + (e.backends().size() > 1 ? " " + r.backend() : "");
                boxes.add(new BoxPlot.Box(label, color(e, r.variant()), r.id(), r.stepMs()));
            }
            out.add(new Figure("plot-latency", "Per-token decode latency",
                    "Each decode step's time over all repetitions: box p25–p75, bar at the median, whiskers min–max, triangle at p99.",
                    BoxPlot.render("plot-latency", "ms per decode step", boxes, Format::sig)));
        }
        List<QualityRow> q = c.quality().stream().filter(QualityRow::ok).toList();
        if (e.measures(Metric.PERPLEXITY) && !q.isEmpty()) {
            List<BarPlot.Bar> bars = new ArrayList<>();
            for (QualityRow r : q) bars.add(new BarPlot.Bar(r.variant() + (e.backends().size() > 1 ? " " + r.backend() : ""),
                    color(e, r.variant()), r.perplexity()));
            out.add(new Figure("plot-perplexity", "Perplexity on the evaluation text",
                    "exp(mean negative log-likelihood) over " + q.getFirst().predicted() + " predicted tokens (" + q.getFirst().tokenizer()
                            + "); lower is better.",
                    BarPlot.render("plot-perplexity", "perplexity", bars, Format::sig)));
        }
        return out;
    }

    private static Figure state(Comparison c) {
        Experiment e = c.experiment();
        List<LinePlot.Series> series = new ArrayList<>();
        double lo = Double.MAX_VALUE, hi = 0;
        for (VariantProfile p : c.profiles()) {
            List<LinePlot.Point> pts = new ArrayList<>();
            for (VariantProfile.StateBytes s : p.stateBytesByContext()) {
                pts.add(new LinePlot.Point(s.context(), s.bytes(), Format.tokens(s.context()) + " tokens, " + Format.bytes(s.bytes())));
                lo = Math.min(lo, s.bytes());
                hi = Math.max(hi, s.bytes());
            }
            series.add(new LinePlot.Series(p.variant(), color(e, p.variant()), "", pts));
        }
        boolean log = lo > 0 && hi / lo > 10;
        return new Figure("plot-state", "State + KV cache per sequence vs context length",
                "Bytes one sequence holds (float32) at each context length, from each block's declared state layout"
                        + (log ? "; logarithmic axes" : "") + ". Recurrent layers hold a fixed state; attention layers grow"
                        + " with the context (a sliding window up to its window).",
                LinePlot.render("plot-state", "context length (tokens)", "bytes per sequence", series,
                        ticks(e.contextLengths()), Plots::tokens, log ? LinePlot.YScale.LOG2 : LinePlot.YScale.LINEAR,
                        v -> Format.bytes((long) v)));
    }

    /** Series per variant (and backend, batch, generation length when the experiment has several; synthetic contexts apart). */
    private static List<LinePlot.Series> throughput(Experiment e, List<PerfRow> rows, boolean prefill) {
        Map<String, List<LinePlot.Point>> points = new LinkedHashMap<>();
        Map<String, String[]> style = new LinkedHashMap<>();
        List<String> shapes = new ArrayList<>();
        for (PerfRow r : rows) {
            Workload w = r.workload();
            String shape = r.backend() + "/" + w.batch() + "/" + w.gen() + "/" + w.fill();
            if (!shapes.contains(shape)) shapes.add(shape);
            String name = r.variant() + (e.backends().size() > 1 ? " · " + r.backend() : "")
                    + (e.batchSizes().size() > 1 ? " · b" + Format.batch(w) : "")
                    + (e.generationLengths().size() > 1 ? " · g" + w.gen() : "") + (w.synthetic() ? " · synthetic" : "");
            double v = prefill ? r.prefillTokensPerSecond() : r.decodeTokensPerSecond();
            double lo = prefill ? r.prefillTokensPerSecondMin() : r.decodeTokensPerSecondMin();
            double hi = prefill ? r.prefillTokensPerSecondMax() : r.decodeTokensPerSecondMax();
            String label = w.id() + ", " + Format.num(v, 1) + " tok/s" + (hi > lo ? " (" + Format.num(lo, 1) + "–" + Format.num(hi, 1) + ")" : "")
                    + (Tables.batch(r).equals(Format.batch(w)) ? "" : ", batch " + Tables.batch(r));
            points.computeIfAbsent(name, k -> new ArrayList<>()).add(new LinePlot.Point(w.prompt(), v, lo, hi, label));
            style.putIfAbsent(name, new String[] {color(e, r.variant()), Svg.DASHES.get(shapes.indexOf(shape) % Svg.DASHES.size())});
        }
        List<LinePlot.Series> out = new ArrayList<>();
        points.forEach((name, pts) -> out.add(new LinePlot.Series(name, style.get(name)[0], style.get(name)[1], pts)));
        return out;
    }

    /** Percent of floor as bars: one group per workload (and backend), one bar per variant; none when no row has a floor. */
    private static Optional<Figure> floor(Experiment e, List<PerfRow> rows, boolean prefill, String id, String title, String caption) {
        Map<String, List<BarPlot.Bar>> groups = new LinkedHashMap<>();
        Map<String, String[]> legend = new LinkedHashMap<>();
        for (PerfRow r : rows) {
            double pct = prefill ? r.prefillPercentOfFloor() : r.decodePercentOfFloor();
            if (!Double.isFinite(pct)) continue;
            Workload w = r.workload();
            String group = Format.tokens(w.prompt()) + " b" + Tables.batch(r) + (e.generationLengths().size() > 1 ? " g" + w.gen() : "")
                    + (w.synthetic() ? " syn" : "") + (e.backends().size() > 1 ? " " + r.backend() : "");
            groups.computeIfAbsent(group, k -> new ArrayList<>()).add(new BarPlot.Bar(r.variant(), color(e, r.variant()), pct));
            legend.putIfAbsent(r.variant(), new String[] {r.variant(), color(e, r.variant()), ""});
        }
        if (groups.isEmpty()) return Optional.empty();
        List<BarPlot.Group> gs = new ArrayList<>();
        groups.forEach((label, bars) -> gs.add(new BarPlot.Group(label, bars)));
        return Optional.of(new Figure(id, title, caption, BarPlot.render(id, "% of floor", gs, new ArrayList<>(legend.values()), 100,
                Format::percent)));
    }

    static String color(Experiment e, String variant) {
        for (int i = 0; i < e.variants().size(); i++) {
            if (e.variants().get(i).name().equals(variant)) return Svg.PALETTE.get(i % Svg.PALETTE.size());
        }
        return Svg.PALETTE.getLast();
    }

    private static String tokens(double v) { return Format.tokens((long) v); }

    private static List<Double> ticks(List<Integer> xs) { return xs.stream().map(Integer::doubleValue).sorted().toList(); }
}
