package io.jetrt.experiments;

import java.util.Arrays;

/** Order statistics of timing samples. */
public final class Stats {
    private Stats() {}

    public static double median(double[] xs) { return percentile(xs, 50); }

    /**
     * The {@code p}-th percentile by linear interpolation between the closest ranks (numpy's default), so
     * that p50 of two samples is their mean and p99 of few samples lies just under the largest; NaN when empty.
     */
    public static double percentile(double[] xs, double p) {
        if (xs.length == 0) return Double.NaN;
        double[] s = xs.clone();
        Arrays.sort(s);
        double rank = p / 100.0 * (s.length - 1);
        int lo = (int) Math.floor(rank), hi = (int) Math.ceil(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }

    public static double min(double[] xs) { return Arrays.stream(xs).min().orElse(Double.NaN); }

    public static double max(double[] xs) { return Arrays.stream(xs).max().orElse(Double.NaN); }
}
