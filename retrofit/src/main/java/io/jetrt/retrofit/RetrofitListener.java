package io.jetrt.retrofit;

/** What a run reports as it goes: the console's progress bar, a test's stop-after-N. */
public interface RetrofitListener {
    /** A line worth a person's attention (resuming, measuring, writing). */
    default void note(String line) {}

    /**
     * After step {@code step} (1-based) of {@code total}.
     *
     * @param losses each student's training loss on this batch, in layer order
     */
    default void stepped(int step, int total, long tokens, double tokensPerSecond, double lr, double[] losses) {}

    RetrofitListener NONE = new RetrofitListener() {};
}
