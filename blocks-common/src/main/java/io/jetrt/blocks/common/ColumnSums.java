package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;

/**
 * The column sums of a {@code [m, n]} device tensor in a fixed order ({@code grad_sum_rows_kernel1} of
 * {@code grad_sum_rows.cuh}, in the bundle's image): segments of rows, then the segments, so a gradient summed over
 * rows has the same bits on every run.
 */
public final class ColumnSums {
    private static final int COLS = 32, ROWS = 8;

    private final GpuOps gpu;
    private final GpuKernel kernel;

    public ColumnSums(GpuOps gpu, byte[] image) {
        this.gpu = gpu;
        this.kernel = gpu.kernel(image, "grad_sum_rows_kernel1");
    }

    /** {@code out [n]} = the sums of {@code in [m, n]}'s columns. */
    public void sum(DeviceTensor out, DeviceTensor in, long m, int n) {
        long seg = Math.max(256, (m + 1023) / 1024);
        int segments = Math.toIntExact((m + seg - 1) / seg);
        if (segments == 1) {
            gpu.launch(kernel, ceilDiv(n, COLS), 1, 1, COLS, ROWS, 0, out, in, m, n, m);
            return;
        }
        DeviceTensor partial = gpu.scratch(DType.F32, segments, n);
        gpu.launch(kernel, ceilDiv(n, COLS), segments, 1, COLS, ROWS, 0, partial, in, m, n, seg);
        gpu.launch(kernel, ceilDiv(n, COLS), 1, 1, COLS, ROWS, 0, out, partial, (long) segments, n, (long) segments);
    }
}
