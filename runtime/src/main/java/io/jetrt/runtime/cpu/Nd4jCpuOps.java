package io.jetrt.runtime.cpu;

import io.jetrt.spi.CpuOps;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * {@link CpuOps} on ND4J (OpenBLAS sgemm) for products of many rows, and SIMD Java ({@link VectorGemm}, when
 * the JVM has {@code jdk.incubator.vector}) for the few-row products of decode steps. Weights the runtime owns are registered once with
 * {@link #registerWeight} and kept as off-heap matrices, so a linear layer copies only its activations;
 * any other right-hand side is copied per call. Registered arrays must not change afterwards, which holds
 * for checkpoint weights (the runtime never writes them).
 */
public final class Nd4jCpuOps implements CpuOps {
    private final Map<float[], INDArray> weights = Collections.synchronizedMap(new WeakHashMap<>());

    /** Keeps an off-heap copy of weight {@code w [n, k]} for later {@link #linear} calls. */
    public void registerWeight(float[] w, int n, int k) {
        weights.computeIfAbsent(w, a -> Nd4j.create(a, new long[] {n, k}, 'c'));
    }

    /** Below this many multiply-adds a Java loop beats a BLAS call (measured on tiny-jet decode: 2.2x). */
    static final long SMALL_GEMM_MACS = 1L << 18;
    /** Up to this many rows a SIMD mat-vec that streams the weight once beats sgemm, which packs it. */
    static final int FEW_ROWS = 8;

    private final boolean simd;

    /** SIMD for few-row products when the JVM has the vector module; the scalar Java path otherwise. */
    public Nd4jCpuOps() { this(simdAvailable()); }

    /** {@code simd} false forces the scalar path (tests of the path used without the vector module). */
    Nd4jCpuOps(boolean simd) {
        this.simd = simd;
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    /** Whether the JVM was started with {@code --add-modules jdk.incubator.vector}; asked without loading the module's types. */
    public static boolean simdAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Override
    public void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k) {
        if (simd && (m <= FEW_ROWS || (long) m * n * k < SMALL_GEMM_MACS)) {
            VectorGemm.linear(x, xOff, w, wOff, y, yOff, m, n, k, threads(), this::parallelFor);
            return;
        }
        if ((long) m * n * k < SMALL_GEMM_MACS) {
            SmallGemm.linear(x, xOff, w, wOff, y, yOff, m, n, k, threads(), this::parallelFor);
            return;
        }
        INDArray registered = wOff == 0 && w.length == n * k ? weights.get(w) : null;
        // per-call matrices are closed at once: left to the GC, their off-heap memory piles up in long prefills
        try (INDArray xm = Nd4j.create(Arrays.copyOfRange(x, xOff, xOff + m * k), new long[] {m, k}, 'c');
             INDArray copied = registered != null ? null : Nd4j.create(Arrays.copyOfRange(w, wOff, wOff + n * k), new long[] {n, k}, 'c');
             INDArray ym = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'c')) {
            Nd4j.gemm(xm, registered != null ? registered : copied, ym, false, true, 1.0, 0.0);
            System.arraycopy(ym.data().asFloat(), 0, y, yOff, m * n);
        }
    }

    /** On the common pool (the caller works too); one item runs inline, as a decode step's often do. */
    @Override
    public void parallelFor(int n, IntConsumer body) {
        if (n == 1) body.accept(0);
        else IntStream.range(0, n).parallel().forEach(body);
    }

    @Override
    public int threads() { return ForkJoinPool.getCommonPoolParallelism() + 1; }
}
