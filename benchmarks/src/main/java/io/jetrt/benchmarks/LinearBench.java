package io.jetrt.benchmarks;

import io.jetrt.runtime.cpu.Nd4jCpuOps;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's CPU GEMM, {@link Nd4jCpuOps#linear} {@code y[m, n] = x[m, k]·w[n, k]ᵀ} with the weight registered
 * as the composer registers checkpoint weights. Rows pick the path: up to 8 rows (decode) the SIMD Java mat-vec
 * (VectorGemm), which streams the weight once — compare its weight-byte rate with {@link CeilingBench#copy};
 * many rows (prefill) OpenBLAS sgemm — its flop rate is the GEMM ceiling the block prefills are measured against.
 * The default shape is the 2B MLP's gate/up projection [8960, 1536]; {@code -p shape=1536x8960} is its down projection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NATIVE, Jvm.UNSAFE})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LinearBench {
    /** m: 1 and 8 as decode at B 1 and B 8, 2048 as a prefill chunk. */
    @Param({"1", "8", "2048"})
    public int rows;
    /** The weight {@code [n, k]}, written {@code NxK}. */
    @Param("8960x1536")
    public String shape;

    private Nd4jCpuOps ops;
    private float[] x, w, y;
    private int n, k;

    @Setup(Level.Trial)
    public void setUp() {
        String[] nk = shape.split("x");
        if (nk.length != 2) throw new IllegalArgumentException("shape must be NxK; got " + shape);
        n = Integer.parseInt(nk[0]);
        k = Integer.parseInt(nk[1]);
        SplittableRandom rng = new SplittableRandom(7);
        x = Layers.normal(rng, (long) rows * k);
        w = Layers.normal(rng, (long) n * k);
        y = new float[rows * n];
        ops = new Nd4jCpuOps();
        ops.registerWeight(w, n, k);
    }

    @Benchmark
    public float[] linear(Rates.Flops work, Rates.Bytes weight) {
        ops.linear(x, 0, w, 0, y, 0, rows, n, k);
        work.flop += 2L * rows * n * k;
        weight.bytes += 4L * n * k;
        return y;
    }
}
