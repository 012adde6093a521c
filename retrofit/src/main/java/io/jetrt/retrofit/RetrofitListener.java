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

    /** Whether to time one training step's kernels on the device ({@code --profile}; students trained on cuda only). */
    default boolean wantsProfile() { return false; }

    /** The device time per kernel of step {@code step}, teacher and students together, when {@link #wantsProfile}. */
    default void profiled(int step, java.util.List<io.jetrt.runtime.gpu.KernelProfiler.Entry> entries) {}

    RetrofitListener NONE = new RetrofitListener() {};
}
