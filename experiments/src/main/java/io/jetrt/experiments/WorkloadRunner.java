package io.jetrt.experiments;

import io.jetrt.runtime.engine.Sampler;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

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
                       double decodeMs, double[] stepMs, long stateBytes) {
        boolean equalCounts(Run o) {
            return prefillTokens == o.prefillTokens && decodeTokens == o.decodeTokens && generated == o.generated && steps == o.steps;
        }
    }

    static PerfRow run(Model model, Variant variant, String backend, Workload w, Experiment e) {
        long start = System.nanoTime();
        int vocab = model.config().vocabSize(), b = w.batch();
        int[] prompt = TokenStreams.take(e.seed(), b, 0, w.prompt(), vocab);
        int[] forced = TokenStreams.take(e.seed(), b, w.prompt(), w.gen() - 1, vocab); // [B, gen - 1]
        for (int i = 0; i < e.warmup(); i++) once(model, w, prompt, forced);
        boolean heap = e.measures(Metric.PEAK_MEMORY);
        if (heap) HeapPeak.start();
        Run[] runs = new Run[e.repetitions()];
        for (int r = 0; r < runs.length; r++) {
            runs[r] = once(model, w, prompt, forced);
            if (!runs[r].equalCounts(runs[0])) {
                throw new IllegalStateException(PerfRow.id(variant.name(), w, backend) + ": repetition " + r
                        + " counted other tokens than repetition 0");
            }
        }
        long peak = heap ? HeapPeak.bytes() : -1;
        Run first = runs[0];
        double[] steps = Arrays.stream(runs).flatMapToDouble(x -> Arrays.stream(x.stepMs())).toArray();
        return new PerfRow(PerfRow.id(variant.name(), w, backend), variant.name(), backend, w, "ok", null, layerBackends(model),
                runs.length, e.warmup(), first.prefillTokens(), first.generated(), first.steps(), first.decodeTokens(),
                Arrays.stream(runs).mapToDouble(Run::prefillMs).toArray(), Arrays.stream(runs).mapToDouble(Run::decodeMs).toArray(),
                Arrays.stream(runs).mapToDouble(Run::ttftMs).toArray(), steps, first.stateBytes(), peak, null,
                (System.nanoTime() - start) / 1e9);
    }

    private static Run once(Model model, Workload w, int[] prompt, int[] forced) {
        int b = w.batch(), vocab = model.config().vocabSize(), decodeSteps = w.gen() - 1;
        try (ModelState state = model.newState(b, w.context())) {
            int[] chosen = new int[b * w.gen()];
            int n = 0;
            long t0 = System.nanoTime();
            FloatTensor logits = model.forward(prompt, b, state, false, null);
            long t1 = System.nanoTime();
            for (int s = 0; s < b; s++) chosen[n++] = Sampler.argmax(logits.data(), s * vocab, vocab);
            long t2 = System.nanoTime();
            long afterPrefill = sum(state.positions());
            double[] stepMs = new double[decodeSteps];
            int[] next = new int[b];
            for (int step = 0; step < decodeSteps; step++) {
                long ts = System.nanoTime();
                for (int s = 0; s < b; s++) next[s] = forced[s * decodeSteps + step];
                logits = model.forward(next, b, state, false, null);
                for (int s = 0; s < b; s++) chosen[n++] = Sampler.argmax(logits.data(), s * vocab, vocab);
                stepMs[step] = (System.nanoTime() - ts) / 1e6;
            }
            long t3 = System.nanoTime();
            return new Run(afterPrefill, sum(state.positions()) - afterPrefill, n, decodeSteps, (t1 - t0) / 1e6, (t2 - t0) / 1e6,
                    (t3 - t2) / 1e6, stepMs, state.bytesPerSequence());
        }
    }

    /** "cpu", or e.g. "reference,cpu" when layers differ (backend auto). */
    static String layerBackends(Model model) {
        return model.layers().stream().map(Layer::backend).distinct().map(x -> x.id()).collect(Collectors.joining(","));
    }

    private static long sum(int[] xs) {
        long n = 0;
        for (int x : xs) n += x;
        return n;
    }
}
