package io.jetrt.blocks.common;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;

import static io.jetrt.blocks.common.DeviceTensors.ceilDiv;
import static io.jetrt.blocks.common.DeviceTensors.orNull;
import static io.jetrt.blocks.common.DeviceTensors.view;

/**
 * The causal depthwise conv's version-2 kernels of a bundle's image ({@code causal_conv_kernel2} of
 * {@code causal_conv.cuh}; for training {@code conv_grad_kernel2} of {@code causal_conv_grad.cuh}): each thread a run of
 * 32 rows of one channel. Inputs and outputs are (tensor, row stride) pairs, column ranges of one fused projection.
 */
public final class ShortConvCuda {
    /** CONV2_RUN of causal_conv.cuh: rows per thread. */
    private static final int RUN = 32, THREADS = 128, MAX_GRID_Y = 65535;

    private final GpuOps gpu;
    private final byte[] image;
    private final GpuKernel conv;
    private GpuKernel grad; // loaded on first use: only training images carry it

    public ShortConvCuda(GpuOps gpu, byte[] image) {
        this.gpu = gpu;
        this.image = image;
        this.conv = gpu.kernel(image, "causal_conv_kernel2");
    }

    /**
     * Rows {@code [row0, row0 + nrows)} of {@code out = act(conv(x) + bias)} over {@code channels} with the cache
     * {@code [B, C, W]} before each sequence; {@code kern} is {@code [C, W]} ({@code kernStride} 0) or one kernel per
     * row ({@code kernStride} apart, row {@code row0} first) plus {@code kbias}. Reads the cache, never writes it.
     */
    public void forward(DeviceTensor out, int outStride, DeviceTensor x, int xStride, DeviceTensor cache, DeviceTensor kern,
                        long kernStride, DeviceTensor kbias, DeviceTensor bias, int tokens, int channels, int width,
                        long row0, long nrows, boolean silu) {
        int runs = (int) Math.max(1, Math.min(MAX_GRID_Y, (nrows + RUN - 1) / RUN)); // the kernel loops over the rest
        gpu.launch(conv, ceilDiv(channels, THREADS), runs, 1, THREADS, 1, 0,
                out, outStride, x, xStride, cache, kern, kernStride, orNull(kbias), orNull(bias), tokens, channels, width, row0, nrows,
                silu ? 1 : 0);
    }

    /**
     * The backward of {@link #forward} with a static kernel, silu after it, from an empty cache over {@code batch}
     * sequences: {@code dx} from {@code dy}; the gradients of the kernel {@code [C, W]} and (when not null) the bias
     * {@code [C]}, summed over the rows in a fixed order.
     */
    public void backward(DeviceTensor dx, int dxStride, DeviceTensor dy, int dyStride, DeviceTensor x, int xStride,
                         DeviceTensor kern, DeviceTensor bias, int batch, int tokens, int channels, int width,
                         ColumnSums sums, DeviceTensor kernGrad, DeviceTensor biasGrad) {
        if (grad == null) grad = gpu.kernel(image, "conv_grad_kernel2");
        int runs = ceilDiv(tokens, RUN), segments = batch * runs;
        DeviceTensor part = gpu.scratch(DType.F32, segments, channels * (width + 1)), total = gpu.scratch(DType.F32, channels * (width + 1));
        gpu.launch(grad, ceilDiv(channels, THREADS), runs, batch, THREADS, 1, 0, dx, dxStride, part, dy, dyStride, x, xStride, kern,
                orNull(bias), tokens, channels, width);
        sums.sum(total, part, segments, channels * (width + 1));
        gpu.copy(view(total, 0, channels * width), kernGrad.reshape(channels * width));
        if (biasGrad != null) gpu.copy(view(total, (long) channels * width, channels), biasGrad.reshape(channels));
    }
}
