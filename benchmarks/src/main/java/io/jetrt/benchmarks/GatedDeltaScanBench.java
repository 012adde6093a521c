package io.jetrt.benchmarks;

import io.jetrt.blocks.common.GatedDeltaScan;
import io.jetrt.blocks.common.GatedDeltaScan.Rows;
import io.jetrt.spi.CpuOps;
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
 * The CPU gated delta rule ({@link GatedDeltaScan}, shared by JetBlock and gated DeltaNet) alone, at the 2B shape:
 * H 12, Dk 96, Dv 256, {@code tokens} tokens, B 1. {@code oneHead}: one (batch, head) on one thread; {@code allHeads}:
 * the 12 heads over the runtime's workers, as the blocks run it. Nominal work 6·Dk·Dv flop per token and head
 * ({@code Sᵀk}, {@code Sᵀq} and the rank-1 update); compare the flop rate with {@link CeilingBench#axpyInL1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NATIVE, Jvm.UNSAFE})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GatedDeltaScanBench {
    private static final int H = 12, DK = 96, DV = 256;

    @Param("2048")
    public int tokens;

    private CpuOps ops;
    private float[][] s, q, k, v, g, beta, o;

    @Setup(Level.Trial)
    public void setUp() {
        ops = Layers.runtimeOps();
        SplittableRandom rng = new SplittableRandom(2048);
        s = new float[H][DK * DV];
        o = new float[H][tokens * DV];
        q = new float[H][];
        k = new float[H][];
        v = new float[H][];
        g = new float[H][];
        beta = new float[H][];
        for (int h = 0; h < H; h++) {
            q[h] = Layers.normal(rng, (long) tokens * DK);
            k[h] = Layers.normal(rng, (long) tokens * DK);
            v[h] = Layers.normal(rng, (long) tokens * DV);
            g[h] = uniform(rng, -1, 0, tokens);       // log decays
            beta[h] = uniform(rng, 0, 1, tokens);     // write strengths
        }
    }

    @Benchmark
    public float[] oneHead(Rates.Flops done) {
        run(0);
        done.flop += 6L * DK * DV * tokens;
        return o[0];
    }

    @Benchmark
    public float[][] allHeads(Rates.Flops done) {
        ops.parallelFor(H, this::run);
        done.flop += 6L * DK * DV * tokens * H;
        return o;
    }

    /** Head h carries its state on from call to call: the decays keep it bounded. */
    private void run(int h) {
        GatedDeltaScan.run(tokens, DK, DV, s[h], 0, new Rows(q[h], 0, DK), new Rows(k[h], 0, DK), new Rows(v[h], 0, DV),
                g[h], beta[h], new Rows(o[h], 0, DV));
    }

    private static float[] uniform(SplittableRandom rng, double lo, double hi, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return a;
    }
}
