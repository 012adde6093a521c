package io.jetrt.runtime.cuda;

import jcuda.Pointer;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Launches one kernel with arguments packed into native memory made once: a table of {@code n} pointers
 * followed by {@code n} 8-byte argument slots. Setting an argument writes its slot; a launch hands the
 * table's address to {@code cuLaunchKernel} with no per-launch Java objects (a fresh {@code Pointer.to}
 * array per launch measured 8.1 us against 3.9 us, ../shared/gpu/README.md). Arguments keep their values
 * between launches, so a call site sets only what changed. Not thread-safe: one launcher per thread.
 *
 * <pre>{@code
 * Launcher l = new Launcher(module.function("swiglu_kernel1"), 4);
 * l.ptr(0, out).ptr(1, gate).ptr(2, up).i64(3, n).launch(stream, blocks, 256);
 * }</pre>
 */
public final class Launcher {
    private final CudaFunction function;
    private final int count;
    private final ByteBuffer table;
    private final Pointer params;
    /** The dynamic shared memory this function may be launched with: 48 KB less its static shared memory, or what it was opted in to. */
    private int sharedOptIn = -1;
    private static final int DEFAULT_SHARED = 48 * 1024;

    public Launcher(CudaFunction function, int arguments) {
        if (arguments < 0 || arguments > 64) throw new IllegalArgumentException("Launcher: arguments must be in [0, 64]; got " + arguments);
        this.function = function;
        this.count = arguments;
        this.table = ByteBuffer.allocateDirect(Math.max(16, 16 * arguments)).order(ByteOrder.nativeOrder());
        long base = MemorySegment.ofBuffer(table).address();
        for (int i = 0; i < arguments; i++) table.putLong(8 * i, base + 8L * arguments + 8L * i);
        this.params = Pointer.to(table);
    }

    private int slot(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("Launcher(" + function + "): argument " + i + " of " + count);
        return 8 * count + 8 * i;
    }

    /** Argument {@code i} is the device address of {@code buffer}. */
    public Launcher ptr(int i, DeviceBuffer buffer) { table.putLong(slot(i), buffer.address()); return this; }

    /** Argument {@code i} is the address of element {@code offset} of {@code buffer}. */
    public Launcher ptr(int i, DeviceBuffer buffer, long offset) {
        if (offset < 0 || offset >= buffer.elements()) {
            throw new IllegalArgumentException("Launcher(" + function + "): argument " + i + ": offset must be in [0, "
                    + buffer.elements() + "); got " + offset);
        }
        table.putLong(slot(i), buffer.address() + offset * buffer.dtype().bytes);
        return this;
    }

    /** Argument {@code i} is the raw device address {@code address}. */
    public Launcher address(int i, long address) { table.putLong(slot(i), address); return this; }

    /** Argument {@code i} is a C {@code int}. */
    public Launcher i32(int i, int value) { table.putInt(slot(i), value); return this; }

    /** Argument {@code i} is a C {@code long long}/{@code size_t}. */
    public Launcher i64(int i, long value) { table.putLong(slot(i), value); return this; }

    /** Argument {@code i} is a C {@code float}. */
    public Launcher f32(int i, float value) { table.putFloat(slot(i), value); return this; }

    /** Argument {@code i} is a C {@code double}. */
    public Launcher f64(int i, double value) { table.putDouble(slot(i), value); return this; }

    /** 1-D launch: {@code grid} blocks of {@code block} threads. */
    public void launch(Stream stream, int grid, int block) { launch(stream, grid, 1, 1, block, 1, 1, 0); }

    /** Queues the kernel on {@code stream}; errors of the kernel itself surface at the next synchronize. */
    public void launch(Stream stream, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {
        function.module().device().makeCurrent();
        if (sharedOptIn < 0) sharedOptIn = DEFAULT_SHARED - staticShared();
        if (sharedBytes > sharedOptIn) optIn(sharedBytes);
        int r = JCudaDriver.cuLaunchKernel(function.handle(), gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                stream.handle(), params, null);
        if (r != 0) {
            throw new CudaException("cuLaunchKernel(" + function + ", grid " + gridX + "x" + gridY + "x" + gridZ + ", block "
                    + blockX + "x" + blockY + "x" + blockZ + ", " + sharedBytes + " B shared) failed: " + CudaException.name(r));
        }
    }

    /** The function's static shared memory (__shared__ arrays): with the dynamic bytes it must stay under 48 KB unless opted in. */
    private int staticShared() {
        int[] bytes = new int[1];
        int r = JCudaDriver.cuFuncGetAttribute(bytes, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function.handle());
        if (r != 0) throw new CudaException("cuFuncGetAttribute(" + function + ", static shared memory) failed: " + CudaException.name(r));
        return bytes[0];
    }

    /** More than 48 KB of shared memory in all needs the function's dynamic limit raised first (up to the device's opt-in maximum). */
    private void optIn(int sharedBytes) {
        int r = JCudaDriver.cuFuncSetAttribute(function.handle(), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
        if (r != 0) {
            throw new CudaException("cuFuncSetAttribute(" + function + ", max dynamic shared memory " + sharedBytes + " B) failed: "
                    + CudaException.name(r));
        }
        sharedOptIn = sharedBytes;
    }
}
