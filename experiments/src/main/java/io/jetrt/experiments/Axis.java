package io.jetrt.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * One plot axis: a data range mapped onto pixels, linear or logarithmic, and its tick values. A log axis
 * is chosen by the caller when the data spans more than a factor of about ten.
 */
final class Axis {
    final double min, max;
    final boolean log;
    private final double from, to;

    /** @param from pixel of {@code min}; {@code to} pixel of {@code max} (to < from for a y axis) */
    Axis(double min, double max, boolean log, double from, double to) {
        if (log) {
            min = Math.max(min, Double.MIN_NORMAL);
            max = Math.max(max, min);
        }
        if (max <= min) { // one value: give it some room so it sits inside the plot
            double pad = log ? min : Math.max(Math.abs(min) * 0.1, 1);
            min = log ? min / 2 : min - pad;
            max = log ? max * 2 : max + pad;
        }
        this.min = min;
        this.max = max;
        this.log = log;
        this.from = from;
        this.to = to;
    }

    /** A linear axis from zero (for rates and sizes) up to a round value above {@code max}. */
    static Axis fromZero(double max, double from, double to) {
        double top = max <= 0 || !Double.isFinite(max) ? 1 : niceStep(max / 5) * Math.ceil(max / niceStep(max / 5));
        return new Axis(0, top, false, from, to);
    }

    /** Logarithmic when the values span more than a factor of 10, else linear with some room at the ends. */
    static Axis fitting(List<Double> values, double from, double to) {
        double lo = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
        double hi = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        if (lo > 0 && hi / lo > 10) return new Axis(lo / 1.25, hi * 1.25, true, from, to);
        double pad = (hi - lo) * 0.08;
        return new Axis(lo - pad, hi + pad, false, from, to);
    }

    double px(double v) {
        double t = log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
        return from + t * (to - from);
    }

    /** Round values: 1-2-5 steps for a linear axis; 1, 2, 5 × powers of ten (thinned to at most ~8) for a log axis. */
    List<Double> ticks() {
        List<Double> out = new ArrayList<>();
        if (!log) {
            double step = niceStep((max - min) / 5);
            for (double v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
            return out;
        }
        TreeSet<Double> t = new TreeSet<>();
        for (int k = (int) Math.floor(Math.log10(min)); k <= (int) Math.ceil(Math.log10(max)); k++) {
            for (double m : new double[] {1, 2, 5}) {
                double v = m * Math.pow(10, k);
                if (v >= min && v <= max) t.add(v);
            }
        }
        out.addAll(t);
        if (out.size() > 8) out.removeIf(v -> Math.abs(Math.log10(v) - Math.rint(Math.log10(v))) > 1e-9);
        return out;
    }

    /** Powers of two (byte sizes), every 2nd, 4th, ... so that at most about seven remain; a log axis only. */
    List<Double> binaryTicks() {
        int lo = (int) Math.ceil(Math.log(min) / Math.log(2) - 1e-9), hi = (int) Math.floor(Math.log(max) / Math.log(2) + 1e-9);
        int step = 1;
        while ((hi - lo) / step + 1 > 7) step *= 2;
        List<Double> out = new ArrayList<>();
        for (int k = lo; k <= hi; k++) if (Math.floorMod(k, step) == 0) out.add(Math.pow(2, k));
        return out;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (raw <= 0 || !Double.isFinite(raw)) return 1;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) if (m * p >= raw * 0.999) return m * p;
        return 10 * p;
    }
}
