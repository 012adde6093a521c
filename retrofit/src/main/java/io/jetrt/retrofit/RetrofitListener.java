package io.jetrt.retrofit;

/** What a run reports as it goes: the console's progress bar, a test's stop-after-N. */
public interface RetrofitListener {
    /** A line worth a person's attention (resuming, measuring, writing). */
    default void note(String line) {}

    /**
     * After step {@code step} (1-based) of {@code total}.
     *
     * @param kl     whether this is the KL stage: {@code losses} then holds the one KL per token of the whole model
     * @param losses each student's training loss (relative MSE) on this batch, in layer order; or the KL
     */
    default void stepped(int step, int total, long tokens, double tokensPerSecond, double lr, boolean kl, double[] losses) {}

    RetrofitListener NONE = new RetrofitListener() {};
}
