package io.jetrt.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * This machine's ceilings, to read the other benchmarks against. {@code copy}: memory bandwidth, bytes read plus
 * written by a 128 MiB {@code System.arraycopy} (a decode step's floor is its weight bytes over this).
 * {@code axpyInL1}: the simplest vectorised loop, {@code y[j] += a·x[j]} over Dv = 256 in L1, on one thread
 * (the gated delta scan's inner loops are of this kind).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NATIVE, Jvm.UNSAFE})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CeilingBench {
    private static final int BIG = 32 << 20, DV = 256, SWEEPS = 4096;

    private float[] from, to, x, y;

    @Setup(Level.Trial)
    public void setUp() {
        from = new float[BIG];
        to = new float[BIG];
        Arrays.fill(from, 1f);
        x = new float[DV];
        y = new float[DV];
        Arrays.fill(x, 1f);
    }

    @Benchmark
    public float[] copy(Rates.Bytes moved) {
        System.arraycopy(from, 0, to, 0, BIG);
        moved.bytes += 2L * 4 * BIG;
        return to;
    }

    @Benchmark
    public float[] axpyInL1(Rates.Flops done) {
        for (int r = 0; r < SWEEPS; r++) {
            for (int j = 0; j < DV; j++) y[j] += 1e-9f * x[j];
        }
        done.flop += 2L * DV * SWEEPS;
        return y;
    }
}
