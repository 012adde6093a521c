package io.jetrt.benchmarks;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPU prefill and decode of one recurrent block layer, B 1, through the provider's public {@code create} as the
 * runtime makes it. {@code prefill}: a chunk of {@code tokens} tokens from a fresh state. {@code decode}: one token
 * at position {@code tokens}, from the state a prefill of {@code tokens} left (the cost does not grow with the
 * position: the state has a fixed size). {@code gemm=none} replaces every projection by a copy of random numbers, so
 * that the figure is everything but the GEMMs (convs, activations, the recurrence, the norm).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {Jvm.VECTOR, Jvm.NATIVE, Jvm.UNSAFE})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class BlockBench {
    @Param("2048")
    public int tokens;
    @Param({"blas", "none"})
    public String gemm;

    private Block block;
    private List<StateSlot> layout;
    private FloatTensor x, y, x1, y1;
    private BlockState decodeState;
    private int[] start, next;

    abstract BlockProvider provider();

    abstract BlockConfig config();

    @Setup(Level.Trial)
    public void setUp() {
        int d = config().intParam("hidden_size");
        block = Layers.cpuBlock(provider(), config(), Layers.runtimeOps(), gemm, tokens);
        layout = provider().stateLayout(config(), tokens + 1);
        x = Layers.input(1, 1, tokens, d);
        y = FloatTensor.zeros(1, tokens, d);
        x1 = Layers.input(2, 1, 1, d);
        y1 = FloatTensor.zeros(1, 1, d);
        start = new int[] {0};
        next = new int[] {tokens};
        decodeState = new BlockState(1, layout);
        block.prefill(x, start, decodeState, y);
    }

    @Benchmark
    public FloatTensor prefill(Rates.Tokens done) {
        block.prefill(x, start, new BlockState(1, layout), y);
        done.tokens += tokens;
        return y;
    }

    @Benchmark
    public FloatTensor decode(Rates.Tokens done) {
        block.decode(x1, next, decodeState, y1);
        done.tokens++;
        return y1;
    }
}
