package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * GPU services the runtime offers a block created for {@link Backend#CUDA}: memory, kernels from the
 * bundle's own compiled images, launches and a bf16 GEMM, all queued in order on the one stream the
 * runtime runs the model on. Work is asynchronous: only {@link #download} waits for it.
 *
 * <p>Memory a block gets from {@link #upload} or {@link #allocate} is the block's until the runtime
 * releases the block (or the block calls {@link #free}); the runtime frees what is left then, so a
 * swapped-out bundle leaves no device memory behind. {@link #scratch} memory is valid until the block
 * call that took it returns.
 *
 * <p>Inside {@link DeviceBlock#decode} the runtime may be capturing the step into a CUDA graph and
 * replaying it later: there a block may only call {@link #scratch}, {@link #launch}, {@link #linear},
 * {@link #zero} and {@link #copy}, and what it launches must not depend on the values of positions or data.
 *
 * @since 1.1
 */
// implemented only by the runtime (BlockGpuOps)
@ProviderType
public interface GpuOps {

    /**
     * The kernel {@code name} of a module image (a fatbin, cubin or PTX the bundle carries as a resource).
     * The runtime loads each image once per block and unloads it with the block.
     */
    GpuKernel kernel(byte[] image, String name);

    /**
     * Queues {@code kernel} on a {@code gridX × gridY × gridZ} grid of {@code blockX × blockY} threads with
     * {@code sharedBytes} of dynamic shared memory (more than 48 KB up to the device's opt-in limit, 227 KB on Hopper:
     * the runtime raises the kernel's limit first). Arguments map to the kernel's parameters in order:
     * {@link DeviceTensor} to a pointer, {@link Integer} to {@code int}, {@link Long} to {@code long long},
     * {@link Float} to {@code float}, and since 1.4 {@link Double} to {@code double}.
     */
    void launch(GpuKernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args);

    /** {@code y[m, n] = x[m, k] · w[n, k]ᵀ}: f32 x and y (any shape with last dimensions k and n), bf16 or f32 w; fp32 accumulation. */
    void linear(DeviceTensor x, DeviceTensor w, DeviceTensor y);

    /**
     * {@code c = op(a)·op(b) + beta·c} on row-major f32 matrices, for training's gradients ({@code dW = dyᵀ·x},
     * {@code dx = dy·W}): {@code a [m, k]} ({@code [k, m]} when {@code transA}), {@code b [k, n]} ({@code [n, k]} when
     * {@code transB}), {@code c [m, n]}, all rank 2. fp32 accumulation; the operands are rounded to bf16 inside when
     * {@link #matrixType()} is BF16, as {@link #linear} rounds x for bf16 weights, and stay fp32 otherwise.
     *
     * @since 1.4
     */
    void matmul(DeviceTensor a, boolean transA, DeviceTensor b, boolean transB, DeviceTensor c, float beta);

    /** A copy of {@code t} in device memory as {@code dtype} (F32 or BF16), owned by the block. */
    DeviceTensor upload(FloatTensor t, DType dtype);

    /** The ints as an I32 tensor {@code [n]} owned by the block (positions, token ids). */
    DeviceTensor upload(int[] values);

    /** Zeroed device memory owned by the block. */
    DeviceTensor allocate(DType dtype, int... shape);

    /** Temporary device memory, contents undefined, valid until the current block call returns. */
    DeviceTensor scratch(DType dtype, int... shape);

    /** Sets every byte of {@code t} to zero (queued). */
    void zero(DeviceTensor t);

    /** Copies {@code src} into {@code dst} of the same byte size (queued). */
    void copy(DeviceTensor src, DeviceTensor dst);

    /** Writes {@code src} (converted to {@code dst}'s F32 or BF16) into {@code dst}; waits for queued work first. */
    void write(FloatTensor src, DeviceTensor dst);

    /** The values of {@code t} as float32, after all queued work. */
    FloatTensor download(DeviceTensor t);

    /** Frees memory from {@link #upload} or {@link #allocate} before the block is released. */
    void free(DeviceTensor t);

    /**
     * The type the runtime wants a block's large weight matrices in: {@link DType#BF16}, or {@link DType#F32}
     * when the model's checkpoint is float32 (its precision is kept). Small vectors are the block's choice.
     */
    DType matrixType();

    /** Streaming multiprocessors of the device, e.g. to size grids. */
    int multiprocessors();
}
