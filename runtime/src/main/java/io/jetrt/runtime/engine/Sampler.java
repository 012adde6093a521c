package io.jetrt.runtime.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks a token from one row of logits per {@link SamplingParams}; one instance per sequence. */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom rng;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.rng = new SplittableRandom(params.seed());
    }

    /** The token for {@code logits[off, off + vocab)}. */
    public int next(float[] logits, int off, int vocab) {
        if (params.greedy()) return argmax(logits, off, vocab);
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[off + b], logits[off + a]));
        int keep = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        double max = logits[off + order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[off + order[i]] - max) / params.temperature());
            sum += p[i];
        }
        double cumulative = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= params.topP()) { cut = i + 1; break; }
        }
        double total = 0;
        for (int i = 0; i < cut; i++) total += p[i];
        double r = rng.nextDouble() * total;
        for (int i = 0; i < cut; i++) {
            r -= p[i];
            if (r <= 0) return order[i];
        }
        return order[cut - 1];
    }

    public static int argmax(float[] logits, int off, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }
}
