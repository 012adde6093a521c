package io.jetrt.benchmarks;

import io.jetrt.blocks.fullattn.AttentionProvider;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * CPU decode of one full-attention layer (12 query heads, 2 KV heads, head_dim 128, D 1536) for {@code batch}
 * sequences, each at position {@code context}: its q/k/v/o projections plus attention over {@code context + 1} keys.
 * The KV cache is filled with N(0, 1) instead of by a prefill (the cost does not depend on the values, and an
 * O(T²) CPU prefill would dominate the setup). Every call decodes at the same position, so the cost stays fixed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NATIVE, Jvm.UNSAFE})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AttentionBench {
    @Param("4096")
    public int context;
    @Param("1")
    public int batch;

    private Block block;
    private BlockState state;
    private FloatTensor x, y;
    private int[] positions;

    @Setup(Level.Trial)
    public void setUp() {
        AttentionProvider provider = new AttentionProvider(false, "1.0.0");
        int d = Layers.ATTENTION.intParam("hidden_size");
        block = Layers.cpuBlock(provider, Layers.ATTENTION, Layers.runtimeOps(), "blas", batch);
        state = new BlockState(batch, provider.stateLayout(Layers.ATTENTION, context + 1));
        SplittableRandom rng = new SplittableRandom(4);
        for (FloatTensor t : state.tensors().values()) {
            float[] a = t.data();
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
        }
        x = Layers.input(5, batch, 1, d);
        y = FloatTensor.zeros(batch, 1, d);
        positions = new int[batch];
        Arrays.fill(positions, context);
    }

    @Benchmark
    public FloatTensor decode(Rates.Tokens done) {
        block.decode(x, positions, state, y);
        done.tokens += batch;
        return y;
    }
}
