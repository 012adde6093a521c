package io.jetrt.retrofit;

import io.jetrt.runtime.model.LayerRules;
import io.jetrt.spi.Backend;

import java.nio.file.Path;

/**
 * One retrofit run: which checkpoint, which layers to swap and train, on what data, for how many tokens, into which
 * directory; and the recipe (AdamW, linear warm-up then cosine decay to {@code minLrFraction · lr}, clipping of each
 * layer's gradient norm).
 *
 * @param tokenizer       where vocab.json and merges.txt are when the data is text (null: the model directory)
 * @param tokens          the training budget in tokens; steps = ceil(tokens / (batch · seqLen))
 * @param seed            the students' upstream initialisation ({@code --init-seed} of every other command) and the data order
 * @param heldOut         sequences kept out of training for the before/after measures (0: a tenth of them, 1 to 8)
 * @param checkpointEvery steps between saved training states (the run resumes from the last one)
 * @param klTokens        tokens of the optional second stage, which trains the students through the whole model to
 *                        minimise KL(teacher ∥ student) on next-token distributions (0: no such stage)
 * @param klLr            that stage's peak learning rate (a fresh AdamW, the same warm-up and cosine shape)
 */
public record RetrofitOptions(Path model, Path tokenizer, LayerRules overrides, Path data, long tokens, Path out, int seqLen,
                              int batch, double lr, double minLrFraction, double warmupFraction, double weightDecay,
                              double clipNorm, long seed, Backend backend, int heldOut, int checkpointEvery, long klTokens,
                              double klLr) {

    public static final int DEFAULT_SEQ_LEN = 128;
    public static final int DEFAULT_BATCH = 8;
    public static final double DEFAULT_LR = 3e-3;
    public static final double DEFAULT_KL_LR = 3e-4;

    public RetrofitOptions {
        require(tokens > 0, "--tokens must be positive; got " + tokens);
        require(seqLen >= 2, "--seq-len must be at least 2; got " + seqLen);
        require(batch >= 1, "--batch must be at least 1; got " + batch);
        require(lr > 0 && Double.isFinite(lr), "--lr must be a finite number > 0; got " + lr);
        require(minLrFraction >= 0 && minLrFraction <= 1, "--min-lr-fraction must be in [0, 1]; got " + minLrFraction);
        require(warmupFraction >= 0 && warmupFraction < 1, "--warmup must be in [0, 1); got " + warmupFraction);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0; got " + weightDecay);
        require(clipNorm > 0, "--clip must be > 0; got " + clipNorm);
        require(heldOut >= 0, "--held-out must be >= 0; got " + heldOut);
        require(klTokens >= 0, "--kl-tokens must be >= 0; got " + klTokens);
        require(klLr > 0 && Double.isFinite(klLr), "--kl-lr must be a finite number > 0; got " + klLr);
        require(checkpointEvery >= 1, "--checkpoint-every must be at least 1; got " + checkpointEvery);
        require(backend == Backend.CPU || backend == Backend.REFERENCE || backend == Backend.CUDA,
                "--backend must be cpu, reference or cuda; got " + backend);
    }

    /** The defaults of the recipe around what a caller must say. */
    public static RetrofitOptions of(Path model, LayerRules overrides, Path data, long tokens, Path out) {
        return new RetrofitOptions(model, null, overrides, data, tokens, out, DEFAULT_SEQ_LEN, DEFAULT_BATCH, DEFAULT_LR, 0.1, 0.05,
                0.01, 1.0, 0, Backend.CPU, 0, 25, 0, DEFAULT_KL_LR);
    }

    public RetrofitOptions withShape(int s, int b) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, s, b, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, backend, heldOut, checkpointEvery, klTokens, klLr);
    }

    public RetrofitOptions withLr(double l) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, l, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, backend, heldOut, checkpointEvery, klTokens, klLr);
    }

    public RetrofitOptions withSeed(long s) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, s, backend, heldOut, checkpointEvery, klTokens, klLr);
    }

    public RetrofitOptions withOut(Path o) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, o, seqLen, batch, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, backend, heldOut, checkpointEvery, klTokens, klLr);
    }

    public RetrofitOptions withBackend(Backend b) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, b, heldOut, checkpointEvery, klTokens, klLr);
    }

    public RetrofitOptions withCheckpointEvery(int n) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, backend, heldOut, n, klTokens, klLr);
    }

    public RetrofitOptions withKlStage(long t, double l) {
        return new RetrofitOptions(model, tokenizer, overrides, data, tokens, out, seqLen, batch, lr, minLrFraction, warmupFraction,
                weightDecay, clipNorm, seed, backend, heldOut, checkpointEvery, t, l);
    }

    /** Optimizer steps of the KL stage (0 without one). */
    public int klSteps() { return klTokens == 0 ? 0 : (int) Math.max(1, (klTokens + (long) batch * seqLen - 1) / ((long) batch * seqLen)); }

    /** Optimizer steps the budget buys: every step trains on {@code batch} sequences of {@code seqLen} tokens. */
    public int steps() { return (int) Math.max(1, (tokens + (long) batch * seqLen - 1) / ((long) batch * seqLen)); }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
