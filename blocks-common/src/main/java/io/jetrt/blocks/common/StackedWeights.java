package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuOps;

import java.util.List;
import java.util.Map;

import static io.jetrt.blocks.common.DeviceTensors.view;

/**
 * Several device weights of one width, {@code [rows_i, width]} (or vectors: width 1), as one {@code [Σ rows_i, width]}
 * matrix in scratch, so that a training pass runs their products with x as one GEMM; and that matrix's gradient split
 * back into the weights' own.
 */
public final class StackedWeights {
    private StackedWeights() {}

    /** The weights {@code names} of {@code w}, in that order, copied into one scratch matrix {@code [Σ rows, width]}. */
    public static DeviceTensor stack(GpuOps gpu, Map<String, DeviceTensor> w, List<String> names, int width) {
        long elements = 0;
        for (String name : names) elements += w.get(name).elements();
        DeviceTensor all = gpu.scratch(DType.F32, Math.toIntExact(elements / width), width);
        long at = 0;
        for (String name : names) {
            DeviceTensor part = w.get(name);
            gpu.copy(part, view(all, at, part.shape()));
            at += part.elements();
        }
        return all;
    }

    /** Copies the rows of {@code stacked}, in the order of {@code names}, into the gradients of those names. */
    public static void split(GpuOps gpu, DeviceTensor stacked, Map<String, DeviceTensor> grads, List<String> names) {
        long at = 0;
        for (String name : names) {
            DeviceTensor g = grads.get(name);
            gpu.copy(view(stacked, at, g.shape()), g);
            at += g.elements();
        }
    }
}
