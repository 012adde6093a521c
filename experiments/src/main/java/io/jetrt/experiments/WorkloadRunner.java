package io.jetrt.experiments;

import io.jetrt.runtime.engine.Measurement;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Times one workload on every loaded variant of a backend, interleaved (the policy is
 * {@link Experiment#measurementPolicy}): each variant first gets its fit checked ({@link Fit}: a row that cannot fit is
 * {@code skipped}) and its warm-up, then the timed rounds run every variant once per round, in an order rotated by one
 * each round. A variant that throws (out of memory, a kernel fault, a faulty plug-in) gets a {@code failed} row and
 * leaves the rounds; the others go on.
 *
 * <p>Each run is a fresh state, the prompt prefilled in chunks sized from free memory ({@link Prefill#maxRows}) or,
 * for a synthetic workload, the state filled to the prompt's length; then {@code gen - 1} teacher-forced decode steps
 * (on the GPU the captured step replayed, fed from a device buffer, the greedy token computed on the device). Every
 * variant sees the same ids ({@link TokenStreams}).
 */
final class WorkloadRunner {
    private WorkloadRunner() {}

    /** One timed run: its times in ms, the state it ran with, and the peak memory it took (-1: not measured). */
    private record Run(double prefillMs, double ttftMs, double decodeMs, double[] stepMs, long stateBytes, long peakBytes) {}

    /** One variant's progress through the workload. */
    private static final class Entry {
        final Contender c;
        final Fit fit;
        final int[] prompt, forced;
        final List<Run> runs = new ArrayList<>();
        int warmup;
        PerfRow outcome; // set once the variant is skipped or has failed

        Entry(Contender c, Fit fit, int[] prompt, int[] forced) {
            this.c = c;
            this.fit = fit;
            this.prompt = prompt;
            this.forced = forced;
        }
    }

    /** The rows of {@code w} for every contender, in the contenders' order; {@code progress} hears what runs. */
    static List<PerfRow> run(List<Contender> contenders, Workload w, Experiment e, Consumer<String> progress) {
        long start = System.nanoTime();
        Map<Contender, Entry> entries = new LinkedHashMap<>();
        for (Contender c : contenders) entries.put(c, plan(c, w, e));
        boolean heap = e.measures(Metric.PEAK_MEMORY);
        for (Entry x : entries.values()) {
            if (x.outcome != null) continue;
            progress.accept(x.c.label() + " " + w.id() + " warm-up");
            warmUp(x, w, e);
        }
        for (int r = 0; r < e.repetitions(); r++) {
            List<Entry> active = entries.values().stream().filter(x -> x.outcome == null).toList();
            for (int i = 0; i < active.size(); i++) {
                Entry x = active.get((i + r) % active.size());
                progress.accept(x.c.label() + " " + w.id() + " round " + (r + 1) + "/" + e.repetitions());
                try {
                    x.runs.add(once(x, w, heap));
                } catch (Throwable t) {
                    Faults.rethrowIfFatal(t);
                    x.outcome = PerfRow.failed(x.c.variant().name(), w, x.c.backend(), "round " + (r + 1) + ": " + Faults.describe(t));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long ran = entries.values().stream().filter(x -> x.outcome == null).count();
        List<PerfRow> rows = new ArrayList<>();
        for (Entry x : entries.values()) {
            if (x.outcome != null) {
                rows.add(x.outcome);
                continue;
            }
            try {
                rows.add(row(x, w, seconds / ran)); // the workload's time, shared by the rows that ran it
            } catch (Throwable t) {
                Faults.rethrowIfFatal(t);
                rows.add(PerfRow.failed(x.c.variant().name(), w, x.c.backend(), "computing the row's floors: " + Faults.describe(t)));
            }
        }
        return rows;
    }

    private static Entry plan(Contender c, Workload w, Experiment e) {
        String v = c.variant().name();
        try {
            Fit fit = Fit.of(c.model(), w);
            if (!fit.fits()) {
                Entry x = new Entry(c, fit, null, null);
                x.outcome = PerfRow.skipped(v, w, c.backend(), fit.whyNot(w), fit.needed(), fit.free());
                return x;
            }
            int b = fit.batch(), vocab = c.model().config().vocabSize();
            int[] prompt = w.synthetic() ? null : TokenStreams.take(e.seed(), b, 0, w.prompt(), vocab);
            int[] forced = TokenStreams.take(e.seed(), b, w.prompt(), w.gen() - 1, vocab); // [B, gen - 1]
            return new Entry(c, fit, prompt, forced);
        } catch (Throwable t) {
            Faults.rethrowIfFatal(t);
            Entry x = new Entry(c, null, null, null);
            x.outcome = PerfRow.failed(v, w, c.backend(), "planning the row: " + Faults.describe(t));
            return x;
        }
    }

    /** Untimed runs until one agrees with the run before within {@link Experiment#STABLE}: at least {@code warmup}, at most {@code warmupMax}. */
    private static void warmUp(Entry x, Workload w, Experiment e) {
        Run last = null;
        try {
            while (x.warmup < e.warmupMax()) {
                Run now = once(x, w, false);
                x.warmup++;
                boolean steady = last != null && close(now.prefillMs(), last.prefillMs()) && close(now.decodeMs(), last.decodeMs());
                last = now;
                if (x.warmup >= e.warmup() && steady) break;
            }
        } catch (Throwable t) {
            Faults.rethrowIfFatal(t);
            x.outcome = PerfRow.failed(x.c.variant().name(), w, x.c.backend(), "warm-up run " + (x.warmup + 1) + ": " + Faults.describe(t));
        }
    }

    private static boolean close(double a, double b) {
        return (Double.isNaN(a) && Double.isNaN(b)) || Math.abs(a - b) <= Experiment.STABLE * Math.max(a, b);
    }

    /** One run through the shared measurement engine; the peak memory it took when {@code measurePeak}. */
    private static Run once(Entry x, Workload w, boolean measurePeak) {
        Model model = x.c.model();
        boolean device = model.backend().equals("cuda");
        long peak = -1;
        if (device) model.resetPeak();
        else if (measurePeak) HeapPeak.start();
        long inUse = measurePeak && !device ? HeapPeak.used() : 0;
        Measurement.Run m = w.synthetic() ? Measurement.syntheticContext(model, w.prompt(), x.forced, x.fit.batch())
                : Measurement.teacherForced(model, x.prompt, x.forced, x.fit.batch(),
                        Prefill.maxRows(model, model.stateBytes(x.fit.batch(), w.context()))); // the state is allocated after
        // the row's own: its weights, its state and the most scratch it took at once (not the other loaded variants')
        if (device) peak = model.weightBytes() + m.stateBytesPerSequence() * x.fit.batch() + model.scratchPeak();
        else if (measurePeak) peak = HeapPeak.bytes() - inUse;
        return new Run(m.prefillMs(), m.ttftMs(), m.decodeMs(), m.stepMs(), m.stateBytesPerSequence(), peak);
    }

    private static PerfRow row(Entry x, Workload w, double seconds) {
        Contender c = x.c;
        int b = x.fit.batch(), steps = w.gen() - 1;
        Run[] runs = x.runs.toArray(new Run[0]);
        double[] stepMs = Arrays.stream(runs).flatMapToDouble(r -> Arrays.stream(r.stepMs())).toArray();
        double[] prefill = w.synthetic() ? new double[0] : Arrays.stream(runs).mapToDouble(Run::prefillMs).toArray();
        double[] ttft = w.synthetic() ? new double[0] : Arrays.stream(runs).mapToDouble(Run::ttftMs).toArray();
        long peak = Arrays.stream(runs).mapToLong(Run::peakBytes).max().orElse(-1);
        boolean device = c.model().backend().equals("cuda");
        return new PerfRow(PerfRow.id(c.variant().name(), w, c.backend()), c.variant().name(), c.backend(), w, "ok", null,
                layerBackends(c.model()), b, x.fit.note(), runs.length, x.warmup, w.synthetic() ? 0 : (long) b * w.prompt(),
                (long) b * (w.synthetic() ? steps : w.gen()), steps, (long) b * steps, prefill,
                Arrays.stream(runs).mapToDouble(Run::decodeMs).toArray(), ttft, stepMs, runs.length == 0 ? 0 : runs[0].stateBytes(),
                RowFloors.prefill(c.model(), w, b, c.rates()), RowFloors.decode(c.model(), w, b, c.rates()),
                device ? -1 : peak, device ? peak : null, null, null, seconds);
    }

    /** "cpu", or e.g. "reference,cpu" when layers differ (backend auto). */
    static String layerBackends(Model model) {
        return model.layers().stream().map(Layer::backend).distinct().map(x -> x.id()).collect(Collectors.joining(","));
    }
}
