package io.jetrt.retrofit;

import io.jetrt.spi.CpuOps;

/**
 * Work over an array's elements on the CPU workers, in fixed chunks of {@value #SIZE}: elementwise updates, and sums
 * whose partials (one per chunk, each summed in index order) are added in chunk order, so the result is the same
 * bits whatever the number of workers or their schedule. At 2B shape a layer's output is 25M values and its weights
 * 18M: single-threaded, the loss and the optimizer took longer than the GPU's step.
 */
final class Chunks {
    static final int SIZE = 1 << 16;

    /** A piece of elementwise work over {@code [from, to)}. */
    interface Body {
        void run(int from, int to);
    }

    /** A sum over {@code [from, to)}, in index order. */
    interface Sum {
        double over(int from, int to);
    }

    private Chunks() {}

    static void forEach(CpuOps ops, int n, Body body) {
        int chunks = (n + SIZE - 1) / SIZE;
        ops.parallelFor(chunks, c -> body.run(c * SIZE, Math.min(n, (c + 1) * SIZE)));
    }

    static double sum(CpuOps ops, int n, Sum sum) {
        int chunks = (n + SIZE - 1) / SIZE;
        double[] partial = new double[chunks];
        ops.parallelFor(chunks, c -> partial[c] = sum.over(c * SIZE, Math.min(n, (c + 1) * SIZE)));
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }
}
