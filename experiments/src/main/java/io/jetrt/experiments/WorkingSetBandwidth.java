package io.jetrt.experiments;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The CPU's copy bandwidth (read + write) over a working set of a given size. A decode step of a small model reads
 * weights and state that stay in the CPU's caches between steps, faster than the 256 MiB copy of
 * {@link io.jetrt.runtime.engine.MachineRates#cpu} runs; a floor from that copy would sit below what the model
 * reaches. Sizes are rounded up to a power of two and measured once each.
 */
final class WorkingSetBandwidth {
    private static final ConcurrentMap<Integer, Double> measured = new ConcurrentHashMap<>();

    private WorkingSetBandwidth() {}

    /** Bytes per second (read + written) copying {@code bytes} in all: half read, half written. */
    static double of(long bytes) {
        int log = 64 - Long.numberOfLeadingZeros(Math.max(1, bytes - 1));
        return measured.computeIfAbsent(Math.min(log, 28), WorkingSetBandwidth::measure);
    }

    private static double measure(int log) {
        int floats = Math.max(16, (1 << log) / 2 / Float.BYTES);
        float[] a = new float[floats], b = new float[floats];
        Arrays.fill(a, 1f);
        int reps = Math.max(3, (64 << 20) / (2 * Float.BYTES * floats)); // ~64 MiB moved per timing: long enough to time
        double best = Double.MAX_VALUE;
        for (int t = 0; t < 7; t++) {
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) System.arraycopy(a, 0, b, 0, floats);
            best = Math.min(best, (System.nanoTime() - start) / 1e9 / reps);
        }
        return 2.0 * Float.BYTES * floats / best;
    }
}
