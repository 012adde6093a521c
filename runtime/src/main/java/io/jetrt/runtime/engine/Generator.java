package io.jetrt.runtime.engine;

import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.FloatTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The generation loop for a batch of equally long prompts: the prompts prefilled in chunks ({@link Prefill}, as
 * {@link Measurement} times them), then one decode step per new token (the captured step replayed on the GPU), each
 * sequence stopping at a stop id or after {@code maxNewTokens}.
 */
public final class Generator {

    /** Called with each new token of each sequence as soon as it is chosen. */
    public interface TokenSink {
        void accept(int row, int token);
    }

    /** What came out: new tokens per sequence and the time spent in prefill and decode. */
    public record Result(List<int[]> tokens, int promptTokens, long prefillNanos, long decodeNanos, int decodeSteps) {
        public double prefillTokensPerSecond() { return promptTokens * tokens.size() / (prefillNanos / 1e9); }

        public double decodeTokensPerSecond() {
            int n = 0;
            for (int[] t : tokens) n += Math.max(0, t.length - 1);
            return decodeNanos == 0 ? 0 : n / (decodeNanos / 1e9);
        }
    }

    private Generator() {}

    public static Result generate(Model model, int[][] prompts, int maxNewTokens, SamplingParams sampling,
                                  Set<Integer> stopIds, TokenSink sink) {
        int batch = prompts.length, len = prompts[0].length, vocab = model.config().vocabSize();
        if (len == 0) throw new IllegalArgumentException("generate: the prompt is empty");
        if (maxNewTokens < 1) throw new IllegalArgumentException("generate: max new tokens must be >= 1; got " + maxNewTokens);
        int[] flat = new int[batch * len];
        for (int b = 0; b < batch; b++) {
            if (prompts[b].length != len) throw new IllegalArgumentException("generate: prompts of a batch must have equal length; row " + b + " has " + prompts[b].length + ", row 0 " + len);
            System.arraycopy(prompts[b], 0, flat, b * len, len);
        }
        try (ModelState state = model.newState(batch, len + maxNewTokens)) {
            Sampler[] samplers = new Sampler[batch];
            List<List<Integer>> out = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                samplers[b] = new Sampler(new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.seed() + b));
                out.add(new ArrayList<>());
            }
            boolean[] done = new boolean[batch];
            int[] next = new int[batch];
            long t0 = System.nanoTime();
            FloatTensor logits = Prefill.chunked(model, flat, batch, state, Prefill.DEFAULT_MAX_ROWS);
            long t1 = System.nanoTime();
            int steps = 0;
            while (true) {
                boolean any = false;
                for (int b = 0; b < batch; b++) {
                    if (done[b]) continue; // a finished row keeps feeding its last token: the batch shares one state
                    next[b] = samplers[b].next(logits.data(), b * vocab, vocab);
                    out.get(b).add(next[b]);
                    sink.accept(b, next[b]);
                    done[b] = stopIds.contains(next[b]) || out.get(b).size() >= maxNewTokens;
                    any |= !done[b];
                }
                if (!any) break;
                logits = model.forward(next, batch, state, false, null);
                steps++;
            }
            long t2 = System.nanoTime();
            List<int[]> tokens = out.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toList();
            return new Result(tokens, len, t1 - t0, t2 - t1, steps);
        }
    }
}
