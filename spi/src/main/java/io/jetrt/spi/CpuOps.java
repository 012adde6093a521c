package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.function.IntConsumer;

/**
 * CPU services the runtime offers to blocks: a tuned GEMM (BLAS behind it) and a worker pool.
 * Fast CPU paths use these; reference paths use plain loops and need neither.
 */
// implemented by the runtime (Nd4jCpuOps) and inside every block bundle too: bnd copies blocks-common's
// PlainCpuOps and TimedCpuOps into each bundle, so a new abstract method would break bundles
@ConsumerType
public interface CpuOps {

    /**
     * {@code y[m, n] = x[m, k] · w[n, k]ᵀ}, the HF {@code Linear} without bias. All three are row-major
     * regions of the arrays starting at the given offsets; {@code y} is overwritten.
     */
    void linear(float[] x, int xOff, float[] w, int wOff, float[] y, int yOff, int m, int n, int k);

    /** Runs {@code body.accept(i)} for every i in {@code [0, n)}, on the runtime's workers; returns when all are done. */
    void parallelFor(int n, IntConsumer body);

    /** Workers in the pool. */
    int threads();
}
