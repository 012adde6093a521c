package io.jetrt.retrofit;

import java.util.SplittableRandom;

/**
 * Which training sequences step {@code s} takes: the sequences in a seeded random order per epoch, {@code batch} at a
 * time, epochs back to back. A function of (seed, step) alone, so a resumed run takes the same batches.
 */
final class BatchOrder {
    private final long seed;
    private final int sequences, batch;
    private int cachedEpoch = -1;
    private int[] cached;

    BatchOrder(long seed, int sequences, int batch) {
        this.seed = seed;
        this.sequences = sequences;
        this.batch = batch;
    }

    int[] at(int step) {
        int[] out = new int[batch];
        for (int j = 0; j < batch; j++) {
            long k = (long) step * batch + j;
            int epoch = (int) (k / sequences);
            out[j] = permutation(epoch)[(int) (k % sequences)];
        }
        return out;
    }

    private int[] permutation(int epoch) {
        if (epoch == cachedEpoch) return cached;
        int[] p = new int[sequences];
        for (int i = 0; i < sequences; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = sequences - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        cachedEpoch = epoch;
        cached = p;
        return p;
    }
}
