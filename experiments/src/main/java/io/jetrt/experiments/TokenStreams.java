package io.jetrt.experiments;

import java.util.SplittableRandom;

/**
 * The token ids every variant is fed, drawn from the experiment's seed only: sequence {@code b} of any
 * workload is the same stream, cut to the prompt length, and its continuation is what the decode steps
 * feed (teacher forcing). So all variants see identical inputs at every step, and a shorter prompt is a
 * prefix of a longer one.
 */
final class TokenStreams {
    private TokenStreams() {}

    /** {@code [B, length]} row-major: sequence {@code b}'s first {@code length} ids, uniform in {@code [0, vocab)}. */
    static int[] take(long seed, int batch, int from, int length, int vocab) {
        int[] out = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + b);
            for (int t = 0; t < from + length; t++) {
                int id = rng.nextInt(vocab);
                if (t >= from) out[b * length + t - from] = id;
            }
        }
        return out;
    }
}
