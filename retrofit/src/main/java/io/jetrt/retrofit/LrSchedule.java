package io.jetrt.retrofit;

/**
 * The learning rate of step {@code s} (0-based) of {@code total}: linear warm-up over {@code warmup} steps to
 * {@code peak}, then cosine decay to {@code peak · minFraction} at the last step.
 */
record LrSchedule(double peak, int warmup, int total, double minFraction) {

    static LrSchedule of(RetrofitOptions o) {
        int total = o.steps();
        return new LrSchedule(o.lr(), (int) Math.floor(o.warmupFraction() * total), total, o.minLrFraction());
    }

    double at(int step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        int decaySteps = total - warmup;
        double progress = decaySteps <= 1 ? 0 : (double) (step - warmup) / (decaySteps - 1);
        double min = peak * minFraction;
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
}
