package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cuda.CudaDevice;
import io.jetrt.runtime.cuda.Event;
import io.jetrt.runtime.cuda.Stream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device time per kernel name, from an event pair around each launch (events are pooled and reused).
 * Only for uncaptured steps: an event inside a graph capture would be captured, not timed. Adds an event
 * record per launch, so a profiled step runs slower than a plain one; the shares are what it is for.
 */
public final class KernelProfiler implements AutoCloseable {
    /** Total device milliseconds and launches of one kernel name. */
    public record Entry(String name, double millis, int launches) {}

    private final CudaDevice device;
    private final Stream stream;
    private final List<Event> pool = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private int used;

    KernelProfiler(CudaDevice device, Stream stream) {
        this.device = device;
        this.stream = stream;
    }

    /** Runs {@code launch} (queueing work on the stream) between two events, under {@code name}. */
    void time(String name, Runnable launch) {
        Event start = next();
        start.record(stream);
        launch.run();
        next().record(stream);
        names.add(name);
    }

    private Event next() {
        if (used == pool.size()) pool.add(Event.create(device));
        return pool.get(used++);
    }

    /** Waits for the device, then the entries by total time, largest first; starts a new window. */
    public List<Entry> drain() {
        Map<String, double[]> sum = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            double ms = pool.get(2 * i + 1).millisSince(pool.get(2 * i));
            double[] s = sum.computeIfAbsent(names.get(i), n -> new double[2]);
            s[0] += ms;
            s[1]++;
        }
        names.clear();
        used = 0;
        List<Entry> out = new ArrayList<>();
        sum.forEach((n, s) -> out.add(new Entry(n, s[0], (int) s[1])));
        out.sort((a, b) -> Double.compare(b.millis(), a.millis()));
        return out;
    }

    /**
     * The {@code top} largest entries as a table: milliseconds, share, launches, name; the header has the total time and
     * the number of timed calls (a kernel, a cuBLAS call or a copy each; a linear with a bf16 cast counts once).
     */
    public static void print(String what, List<Entry> entries, int top, java.io.PrintStream out) {
        double total = entries.stream().mapToDouble(Entry::millis).sum();
        int calls = entries.stream().mapToInt(Entry::launches).sum();
        out.printf(java.util.Locale.ROOT, "  device time per kernel, %s: %.3f ms in all, %d timed calls%n", what, total, calls);
        for (Entry e : entries.subList(0, Math.min(top, entries.size()))) {
            out.printf(java.util.Locale.ROOT, "    %8.3f ms %5.1f%% %5d x  %s%n", e.millis(), 100 * e.millis() / total, e.launches(), e.name());
        }
    }

    /** Destroys the pooled events. */
    @Override
    public void close() {
        for (Event e : pool) e.close();
        pool.clear();
        names.clear();
        used = 0;
    }
}
