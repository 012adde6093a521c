package io.jetrt.experiments;

import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

/**
 * Scores the evaluation text as one sequence fed in chunks (the state carries over, as in generation):
 * each token after the first adds {@code -log softmax(logits of the token before)[token]}, in double.
 */
final class Perplexity {
    private Perplexity() {}

    static QualityRow measure(Model model, String variant, String backend, EvalText text, int chunk) {
        long start = System.nanoTime();
        int[] ids = text.ids();
        int vocab = model.config().vocabSize();
        double nll = 0;
        try (ModelState state = model.newState(1, ids.length)) {
            for (int from = 0; from < ids.length - 1; from += chunk) {
                // the last token is only ever a target, never an input
                int to = Math.min(from + chunk, ids.length - 1);
                int[] in = java.util.Arrays.copyOfRange(ids, from, to);
                FloatTensor logits = model.forward(in, 1, state, true, null);
                float[] l = logits.data();
                for (int t = 0; t < in.length; t++) nll += -logSoftmax(l, t * vocab, vocab, ids[from + t + 1]);
            }
        }
        return new QualityRow(QualityRow.id(variant, backend), variant, backend, "ok", null, ids.length, text.tokenizer(), nll,
                (System.nanoTime() - start) / 1e9);
    }

    private static double logSoftmax(float[] l, int off, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, l[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(l[off + i] - max);
        return l[off + target] - max - Math.log(sum);
    }
}
