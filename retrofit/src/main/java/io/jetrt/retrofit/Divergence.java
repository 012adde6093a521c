package io.jetrt.retrofit;

import io.jetrt.runtime.model.Model;

/**
 * KL(teacher ∥ student) of next-token distributions, in nats per token, over the held-out sequences. One sequence at a
 * time: its logits are {@code [T, V]} per model (at a 2B vocabulary and T 2048, 1.2 GB each).
 */
final class Divergence {
    private Divergence() {}

    static double kl(Model teacher, Model student, TrainingTokens data) {
        int vocab = teacher.config().vocabSize(), len = data.seqLen();
        double sum = 0;
        long count = 0;
        for (int i = 0; i < data.heldOut(); i++) {
            int[] tokens = data.heldOutSequence(i);
            float[] p = FromEmptyState.forward(teacher, tokens, 1, true, null).data();
            float[] q = FromEmptyState.forward(student, tokens, 1, true, null).data();
            for (int r = 0; r < len; r++) {
                sum += rowKl(p, q, r * vocab, vocab);
                count++;
            }
        }
        return sum / count;
    }

    /** {@code Σ softmax(p) · (log softmax(p) − log softmax(q))} for one row of logits, in float64. */
    static double rowKl(float[] p, float[] q, int off, int vocab) {
        double lp = logSumExp(p, off, vocab), lq = logSumExp(q, off, vocab), kl = 0;
        for (int v = off; v < off + vocab; v++) {
            double logP = p[v] - lp;
            kl += Math.exp(logP) * (logP - (q[v] - lq));
        }
        return Math.max(0, kl); // rounding can leave a hair below zero when the two agree
    }

    private static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) max = Math.max(max, x[i]);
        double s = 0;
        for (int i = off; i < off + n; i++) s += Math.exp(x[i] - max);
        return max + Math.log(s);
    }
}
