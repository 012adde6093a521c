package io.jetrt.runtime.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Sampler} against the exact distribution it is documented to draw from ({@link SamplingParams}):
 * softmax(logits / T), restricted to the top-k tokens, then to the smallest set reaching top-p, renormalised.
 * Empirical frequencies of {@value #DRAWS} seeded draws must lie within 5 binomial standard errors of it; a token
 * of probability 0 must never be drawn. Ties are ranked by the lower index, as {@link Sampler#argmax} breaks them.
 */
class SamplerTest {
    private static final int DRAWS = 200_000;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    /** Distinct logits in no particular order; softmax at T 1 gives every token at least 0.3%. */
    private static final float[] LOGITS = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 2.5f, -2.0f};

    @ParameterizedTest(name = "T={0} topK={1} topP={2}")
    @CsvSource({
        "1.0, 0, 1.0",      // plain softmax
        "0.5, 0, 1.0",      // sharper
        "2.0, 0, 1.0",      // flatter
        "1.0, 3, 1.0",      // top-k alone
        "1.0, 0, 0.7",      // top-p alone: cuts inside the distribution
        "1.0, 0, 0.95",
        "0.7, 5, 0.8",      // top-p over the renormalised top-5
        "1.5, 2, 0.99",
    })
    void frequenciesMatchTheRestrictedSoftmax(double temperature, int topK, double topP) {
        assertFrequencies(LOGITS, new SamplingParams(temperature, topK, topP, 42));
    }

    @Test
    void temperatureZeroIsArgmaxWhateverTheOtherSettings() {
        for (SamplingParams p : new SamplingParams[] {SamplingParams.GREEDY, new SamplingParams(0, 3, 0.5, 9)}) {
            Sampler s = new Sampler(p);
            for (int i = 0; i < 100; i++) assertEquals(4, s.next(LOGITS, 0, LOGITS.length), "greedy " + p);
        }
    }

    /** T → 0 approaches greedy: at T 1e-4 the runner-up (0.5 below the max) has probability e^-5000 = 0. */
    @Test
    void tinyTemperatureAlwaysPicksTheMax() {
        assertAlways(4, LOGITS, new SamplingParams(1e-4, 0, 1, 7));
    }

    @Test
    void topKOneIsArgmax() {
        assertAlways(4, LOGITS, new SamplingParams(5.0, 1, 1, 3));
    }

    /** A vanishing top-p keeps only the most likely token (the first one reaches any p > 0 alone). */
    @Test
    void tinyTopPKeepsOnlyTheMax() {
        assertAlways(4, LOGITS, new SamplingParams(5.0, 0, 1e-9, 3));
    }

    /** top-k of the vocabulary size or more restricts nothing: the same draws as top-k 0, seed for seed. */
    @Test
    void topKAtOrAboveVocabEqualsNoTopK() {
        int[] all = draws(LOGITS, new SamplingParams(1.3, 0, 1, 11), 5000);
        assertArrayEquals(all, draws(LOGITS, new SamplingParams(1.3, LOGITS.length, 1, 11), 5000));
        assertArrayEquals(all, draws(LOGITS, new SamplingParams(1.3, LOGITS.length + 100, 1, 11), 5000));
    }

    /** top-p 1 keeps the tail: a token of probability ~1e-3 is still drawn at its rate. */
    @Test
    void topPOneKeepsUnlikelyTokens() {
        float[] logits = {5f, 4f, 0f, -1f};
        double[] p = expected(logits, 1.0, 0, 1.0);
        assertTrue(p[3] > 5e-4 && p[3] < 2e-3, "the tail token is rare: " + p[3]);
        assertFrequencies(logits, new SamplingParams(1.0, 0, 1.0, 5));
    }

    @Test
    void tiesAreSampledEquallyAndBrokenByTheLowerIndexWhenCut() {
        float[] logits = {0f, 2f, 1f, 2f, 2f};
        assertEquals(1, Sampler.argmax(logits, 0, logits.length));
        assertFrequencies(logits, new SamplingParams(1.0, 0, 1.0, 13));
        assertAlways(1, logits, new SamplingParams(1.0, 1, 1.0, 13));
        // top-2 of three equal maxima: indices 1 and 3, each half
        assertFrequencies(logits, new SamplingParams(1.0, 2, 1.0, 13));
        double[] p = expected(logits, 1.0, 2, 1.0);
        assertEquals(0.5, p[1], 1e-12);
        assertEquals(0.5, p[3], 1e-12);
        assertEquals(0.0, p[4]);
    }

    @Test
    void negativeInfinityIsNeverDrawn() {
        float[] logits = {NEG_INF, 1f, NEG_INF, 0.5f, NEG_INF, -0.25f};
        assertFrequencies(logits, new SamplingParams(1.0, 0, 1.0, 17));
        assertFrequencies(logits, new SamplingParams(3.0, 5, 1.0, 17));   // top-k wider than the finite tokens
        assertEquals(1, Sampler.argmax(logits, 0, logits.length));
        float[] one = {NEG_INF, NEG_INF, 0f, NEG_INF};
        assertAlways(2, one, new SamplingParams(1.0, 0, 1.0, 17));
        assertAlways(2, one, new SamplingParams(100.0, 0, 1.0, 17));
        assertEquals(2, Sampler.argmax(one, 0, one.length));
    }

    /** The row is {@code logits[off, off + vocab)}; the token is an index into the row, not the array. */
    @Test
    void readsOnlyItsRowAndReturnsARowIndex() {
        float[] rows = new float[3 * LOGITS.length];
        Arrays.fill(rows, 100f);                            // neighbours that would win if read
        System.arraycopy(LOGITS, 0, rows, LOGITS.length, LOGITS.length);
        SamplingParams p = new SamplingParams(1.0, 0, 1.0, 23);
        Sampler inRow = new Sampler(p), alone = new Sampler(p);
        for (int i = 0; i < 2000; i++) assertEquals(alone.next(LOGITS, 0, LOGITS.length), inRow.next(rows, LOGITS.length, LOGITS.length));
        assertEquals(4, Sampler.argmax(rows, LOGITS.length, LOGITS.length));
    }

    @Test
    void aSeedFixesTheDraws() {
        SamplingParams p = new SamplingParams(1.0, 0, 0.95, 1234);
        int[] a = draws(LOGITS, p, 2000);
        assertArrayEquals(a, draws(LOGITS, p, 2000));
        assertFalse(Arrays.equals(a, draws(LOGITS, new SamplingParams(1.0, 0, 0.95, 1235), 2000)), "another seed, other draws");
    }

    private static void assertAlways(int token, float[] logits, SamplingParams p) {
        int[] d = draws(logits, p, 5000);
        for (int i = 0; i < d.length; i++) assertEquals(token, d[i], "draw " + i + " under " + p);
    }

    /** Every token's frequency within 5 standard errors of its exact probability; probability-0 tokens never drawn. */
    private static void assertFrequencies(float[] logits, SamplingParams params) {
        double[] p = expected(logits, params.temperature(), params.topK(), params.topP());
        int[] counts = new int[logits.length];
        for (int t : draws(logits, params, DRAWS)) counts[t]++;
        for (int i = 0; i < logits.length; i++) {
            double f = (double) counts[i] / DRAWS, se = Math.sqrt(p[i] * (1 - p[i]) / DRAWS);
            String where = String.format(Locale.ROOT, "%s, token %d: frequency %.5f, exact %.5f (5 sigma %.5f); counts %s, exact %s",
                    params, i, f, p[i], 5 * se, Arrays.toString(counts), Arrays.toString(p));
            if (p[i] == 0) assertEquals(0, counts[i], where);
            else assertTrue(Math.abs(f - p[i]) <= 5 * se, where);
        }
    }

    private static int[] draws(float[] logits, SamplingParams p, int n) {
        Sampler s = new Sampler(p);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.next(logits, 0, logits.length);
        return out;
    }

    /**
     * The documented distribution, written per token rather than as the sampler's sorted scan: rank a token by
     * (logit descending, index ascending); it survives top-k when its rank is below k, and survives top-p when
     * the (top-k-renormalised) mass of the tokens ranked before it is still below p.
     */
    static double[] expected(float[] logits, double temperature, int topK, double topP) {
        int v = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] w = new double[v];
        for (int i = 0; i < v; i++) w[i] = Math.exp((logits[i] - max) / temperature);
        int[] rank = new int[v];
        for (int i = 0; i < v; i++) {
            for (int j = 0; j < v; j++) if (logits[j] > logits[i] || (logits[j] == logits[i] && j < i)) rank[i]++;
        }
        boolean[] keep = new boolean[v];
        double kMass = 0;
        for (int i = 0; i < v; i++) {
            keep[i] = topK == 0 || rank[i] < topK;
            if (keep[i]) kMass += w[i];
        }
        boolean[] keepP = new boolean[v];
        for (int i = 0; i < v; i++) {
            if (!keep[i]) continue;
            double before = 0;
            for (int j = 0; j < v; j++) if (keep[j] && rank[j] < rank[i]) before += w[j] / kMass;
            keepP[i] = before < topP;
        }
        double mass = 0;
        for (int i = 0; i < v; i++) if (keepP[i]) mass += w[i];
        double[] p = new double[v];
        for (int i = 0; i < v; i++) p[i] = keepP[i] ? w[i] / mass : 0;
        return p;
    }
}
