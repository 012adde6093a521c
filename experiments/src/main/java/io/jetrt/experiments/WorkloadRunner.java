package io.jetrt.experiments;

import io.jetrt.runtime.engine.Measurement;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Times one workload on one composed variant: {@code warmup} untimed runs, then {@code repetitions} timed
 * ones, each a fresh state, one prefill of the whole batch, then {@code gen - 1} decode steps. Every step
 * picks the greedy token of each sequence (that cost is part of the step), but feeds the seeded
 * continuation instead (see {@link TokenStreams}), so every variant sees the same inputs; no stop token
 * ends a sequence early, so each generates exactly {@code gen} tokens.
 */
final class WorkloadRunner {
    private WorkloadRunner() {}

    /** One timed run: what was fed and chosen, counted, and its times in ms. */
    private record Run(long prefillTokens, long decodeTokens, long generated, int steps, double prefillMs, double ttftMs,
                       double decodeMs, double[] stepMs, long stateBytes) {}

    static PerfRow run(Model model, Variant variant, String backend, Workload w, Experiment e) {
        long start = System.nanoTime();
        int vocab = model.config().vocabSize(), b = w.batch();
        int[] prompt = TokenStreams.take(e.seed(), b, 0, w.prompt(), vocab);
        int[] forced = TokenStreams.take(e.seed(), b, w.prompt(), w.gen() - 1, vocab); // [B, gen - 1]
        for (int i = 0; i < e.warmup(); i++) once(model, w, prompt, forced);
        boolean heap = e.measures(Metric.PEAK_MEMORY);
        if (heap) HeapPeak.start();
        Run[] runs = new Run[e.repetitions()];
        for (int r = 0; r < runs.length; r++) runs[r] = once(model, w, prompt, forced);
        long peak = heap ? HeapPeak.bytes() : -1;
        Run first = runs[0];
        double[] steps = Arrays.stream(runs).flatMapToDouble(x -> Arrays.stream(x.stepMs())).toArray();
        return new PerfRow(PerfRow.id(variant.name(), w, backend), variant.name(), backend, w, "ok", null, layerBackends(model),
                w.batch(), null, runs.length, e.warmup(), first.prefillTokens(), first.generated(), first.steps(), first.decodeTokens(),
                Arrays.stream(runs).mapToDouble(Run::prefillMs).toArray(), Arrays.stream(runs).mapToDouble(Run::decodeMs).toArray(),
                Arrays.stream(runs).mapToDouble(Run::ttftMs).toArray(), steps, first.stateBytes(), Double.NaN, Double.NaN, peak, null, null, null,
                (System.nanoTime() - start) / 1e9);
    }

    /** One run through the shared measurement engine: chunked prefill, then teacher-forced decode steps. */
    private static Run once(Model model, Workload w, int[] prompt, int[] forced) {
        Measurement.Run m = Measurement.teacherForced(model, prompt, forced, w.batch(), Prefill.DEFAULT_MAX_ROWS);
        long b = w.batch();
        return new Run(b * m.promptLen(), b * m.decodeSteps(), m.chosen().length, m.decodeSteps(), m.prefillMs(), m.ttftMs(),
                m.decodeMs(), m.stepMs(), m.stateBytesPerSequence());
    }

    /** "cpu", or e.g. "reference,cpu" when layers differ (backend auto). */
    static String layerBackends(Model model) {
        return model.layers().stream().map(Layer::backend).distinct().map(x -> x.id()).collect(Collectors.joining(","));
    }
}
