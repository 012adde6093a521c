package io.jetrt.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Work done per benchmark call, reported by JMH as a rate beside the calls per second (every benchmark here runs
 * in throughput mode, per second): tokens → tok/s, flop → FLOP/s, bytes → B/s. That puts a figure next to its
 * ceiling in the same units ({@link CeilingBench} measures the ceilings).
 */
public final class Rates {
    private Rates() {}

    /** Tokens processed, summed over the batch. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Tokens {
        public long tokens;

        @Setup(Level.Iteration)
        public void reset() { tokens = 0; }
    }

    /** Floating-point operations, counted from the shape (2 per multiply-add). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flop;

        @Setup(Level.Iteration)
        public void reset() { flop = 0; }
    }

    /** Bytes of memory traffic, counted from the shape. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() { bytes = 0; }
    }
}
