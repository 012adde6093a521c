package io.jetrt.retrofit;

import io.jetrt.runtime.gpu.KernelProfiler;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * A run's progress on stderr: a bar of steps, tokens, tokens/s (over the run so far, and from the second step on the
 * last step's own, which the first step's warm-up and kernel loading do not dilute), the learning rate and the mean
 * loss over the students (with the worst layer's). On a terminal one line is redrawn with {@code \r}; elsewhere (a log, a pipe) a line is
 * printed every tenth of the run, so a CI log stays readable.
 */
public final class ConsoleProgress implements RetrofitListener {
    private static final int WIDTH = 24;
    private final PrintStream err;
    private final boolean redraw, profile;
    private int lastTenth = -1;
    private long lastStepAt = -1, lastStepTokens;

    public ConsoleProgress(PrintStream err, boolean redraw) { this(err, redraw, false); }

    /** @param profile print the device time per kernel of one training step */
    public ConsoleProgress(PrintStream err, boolean redraw, boolean profile) {
        this.err = err;
        this.redraw = redraw;
        this.profile = profile;
    }

    @Override public boolean wantsProfile() { return profile; }

    @Override
    public void profiled(int step, List<KernelProfiler.Entry> entries) {
        if (redraw && lastTenth >= 0) err.println();
        KernelProfiler.print("training step " + step + " (teacher forward and every student)", entries, 25, err);
        lastTenth = -1;
    }

    @Override
    public void note(String line) {
        if (redraw && lastTenth >= 0) err.println();
        err.println("retrofit: " + line);
        lastTenth = -1;
    }

    @Override
    public void stepped(int step, int total, long tokens, double tokensPerSecond, double lr, boolean kl, double[] losses) {
        double mean = 0, worst = 0;
        for (double l : losses) {
            mean += l / losses.length;
            worst = Math.max(worst, l);
        }
        int filled = WIDTH * step / total;
        String loss = kl ? String.format(Locale.ROOT, "KL %.4f", mean)
                : String.format(Locale.ROOT, "relative MSE %.4f (worst layer %.4f)", mean, worst);
        long now = System.nanoTime();
        String rate = String.format(Locale.ROOT, "%,.0f tok/s", tokensPerSecond);
        if (lastStepAt >= 0 && tokens > lastStepTokens && now > lastStepAt) {
            rate += String.format(Locale.ROOT, " (last step %,.0f)", (tokens - lastStepTokens) / ((now - lastStepAt) / 1e9));
        }
        lastStepAt = now;
        lastStepTokens = tokens;
        String line = String.format(Locale.ROOT, "[%s%s] step %d/%d  %,d tokens  %s  lr %.2e  %s",
                "#".repeat(filled), "-".repeat(WIDTH - filled), step, total, tokens, rate, lr, loss);
        int tenth = 10 * step / total;
        if (redraw) {
            err.print("\r" + line);
            if (step == total) err.println();
            lastTenth = tenth;
        } else if (tenth != lastTenth || step == total) {
            err.println(line);
            lastTenth = tenth;
        }
        err.flush();
    }
}
