package io.jetrt.runtime.engine;

import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

/**
 * The one way prompts are timed through a model, shared by {@code jetrt bench}, {@code jetrt compare} and generation:
 * a fresh state, the prompt prefilled in chunks ({@link Prefill}), each sequence's first token the argmax of the
 * prompt's last logits, then decode steps — either greedy, each step's argmax feeding the next ({@link Model#greedy}:
 * the captured step replayed on the GPU with no host round trip), or teacher-forced, given ids fed and each step's
 * argmax still computed (the same inputs for every variant of a comparison), timed step by step.
 */
public final class Measurement {
    private Measurement() {}

    /**
     * One timed run. Times in milliseconds: {@code ttftMs} is prefill plus choosing the first tokens; {@code stepMs}
     * holds each decode step's time (empty for greedy runs, which are timed as a whole); {@code chosen [1 + steps, B]}
     * every token chosen, the first ones from the prompt's logits.
     */
    public record Run(int batch, int promptLen, int decodeSteps, double prefillMs, double ttftMs, double decodeMs, double[] stepMs,
                      int[] chosen, long stateBytesPerSequence) {
        public double prefillTokensPerSecond() { return (double) batch * promptLen / (prefillMs / 1e3); }

        public double decodeTokensPerSecond() { return decodeSteps == 0 ? 0 : (double) batch * decodeSteps / (decodeMs / 1e3); }
    }

    /**
     * Prefills {@code prompt [B, T]}, then runs {@code steps} greedy decode steps after one untimed step (which on the GPU
     * captures the step's graph: a one-off cost, not the step's).
     */
    public static Run greedy(Model model, int[] prompt, int batch, int steps, int maxRows) {
        if (steps < 1) throw new IllegalArgumentException("greedy run: steps must be >= 1; got " + steps);
        int len = prompt.length / batch;
        try (ModelState state = model.newState(batch, len + 1 + steps)) {
            long t0 = System.nanoTime();
            FloatTensor logits = Prefill.chunked(model, prompt, batch, state, maxRows);
            long t1 = System.nanoTime();
            int[] first = argmax(logits, batch, model.config().vocabSize());
            long t2 = System.nanoTime();
            int[] warm = model.greedy(first, state, 1);
            long t3 = System.nanoTime();
            int[] rest = model.greedy(warm, state, steps);
            long t4 = System.nanoTime();
            int[] chosen = new int[(2 + steps) * batch];
            System.arraycopy(first, 0, chosen, 0, batch);
            System.arraycopy(warm, 0, chosen, batch, batch);
            System.arraycopy(rest, 0, chosen, 2 * batch, rest.length);
            return new Run(batch, len, steps, ms(t0, t1), ms(t0, t2), ms(t3, t4), new double[0], chosen, state.bytesPerSequence());
        }
    }

    /**
     * Prefills {@code prompt [B, T]}, then feeds {@code forced [B, steps]} through {@link Model#teacherForced} (on the GPU
     * the captured step replayed, ids read from a device buffer, argmax on the device), choosing each sequence's argmax
     * at every step (its cost is part of the step) and timing each step; {@code decodeMs} is the sum of the step times
     * (device time on the GPU; a step captured on first use is not charged for its capture).
     */
    public static Run teacherForced(Model model, int[] prompt, int[] forced, int batch, int maxRows) {
        int len = prompt.length / batch, steps = forced.length / batch, vocab = model.config().vocabSize();
        // sized for the whole sequence: prompt, forced ids and the last chosen token (states at one context per workload)
        try (ModelState state = model.newState(batch, len + steps + 1)) {
            int[] chosen = new int[(1 + steps) * batch];
            long t0 = System.nanoTime();
            FloatTensor logits = Prefill.chunked(model, prompt, batch, state, maxRows);
            long t1 = System.nanoTime();
            System.arraycopy(argmax(logits, batch, vocab), 0, chosen, 0, batch);
            long t2 = System.nanoTime();
            double[] stepMs = new double[steps];
            System.arraycopy(forcedSteps(model, state, forced, batch, stepMs), 0, chosen, batch, steps * batch);
            double decodeMs = sum(stepMs);
            return new Run(batch, len, steps, ms(t0, t1), ms(t0, t2), decodeMs, stepMs, chosen, state.bytesPerSequence());
        }
    }

    /**
     * Decode at a long context without its prefill: a fresh state filled to {@code contextLen} tokens with synthetic values
     * ({@link ModelState#fillSynthetic}; timing does not depend on them), then {@code forced [B, steps]} fed as
     * {@link #teacherForced} feeds it. No prefill is timed: {@code prefillMs} and {@code ttftMs} are NaN, {@code chosen}
     * holds the decode steps' tokens only.
     */
    public static Run syntheticContext(Model model, int contextLen, int[] forced, int batch) {
        int steps = forced.length / batch;
        try (ModelState state = model.newState(batch, contextLen + steps + 1)) {
            state.fillSynthetic(contextLen);
            double[] stepMs = new double[steps];
            int[] chosen = forcedSteps(model, state, forced, batch, stepMs);
            return new Run(batch, contextLen, steps, Double.NaN, Double.NaN, sum(stepMs), stepMs, chosen, state.bytesPerSequence());
        }
    }

    /** Feeds {@code forced [B, steps]} step by step (the engine's fastest path); returns the chosen ids {@code [steps, B]}. */
    private static int[] forcedSteps(Model model, ModelState state, int[] forced, int batch, double[] stepMs) {
        int steps = stepMs.length;
        if (steps == 0) return new int[0];
        int[] stepMajor = new int[steps * batch]; // [B, steps] -> [steps, B]
        for (int b = 0; b < batch; b++) for (int s = 0; s < steps; s++) stepMajor[s * batch + b] = forced[b * steps + s];
        return model.teacherForced(stepMajor, state, steps, stepMs);
    }

    /** Decode time as the sum of the steps' times (device time on the GPU: a graph's first capture is not a step's cost). */
    private static double sum(double[] stepMs) {
        double t = 0;
        for (double ms : stepMs) t += ms;
        return t;
    }

    private static int[] argmax(FloatTensor logits, int batch, int vocab) {
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) out[b] = Sampler.argmax(logits.data(), b * vocab, vocab);
        return out;
    }

    private static double ms(long from, long to) { return (to - from) / 1e6; }
}
