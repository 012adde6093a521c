package io.jetrt.tests;

import java.util.SplittableRandom;

/** Token ids for model tests: seeded random prompts, and the greedy choice from a row of logits. */
final class Tokens {
    private Tokens() {}

    /** {@code n} ids drawn uniformly from {@code [0, vocab)} with {@code seed}. */
    static int[] random(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(vocab);
        return t;
    }

    /** The index of the largest of {@code l[off, off + n)}; the first on ties. */
    static int argmax(float[] l, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (l[off + i] > l[off + best]) best = i;
        return best;
    }
}
