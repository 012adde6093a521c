package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cpu.CpuOpsFactory;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.GpuOps;

/**
 * What a block created for the cuda backend gets: the CPU services and its own {@link BlockGpuOps} on the
 * shared {@link GpuContext}. Closing it frees what the block holds on the device.
 */
public final class GpuBlockServices implements BlockServices, AutoCloseable {
    private final CpuOps cpu;
    private final BlockGpuOps gpu;

    public GpuBlockServices(CpuOps cpu, String owner) { this(cpu, owner, io.jetrt.spi.DType.BF16); }

    /** {@code matrixType}: what {@link GpuOps#matrixType()} tells the block (bf16, or f32 for a float32 checkpoint). */
    public GpuBlockServices(CpuOps cpu, String owner, io.jetrt.spi.DType matrixType) {
        this.cpu = cpu;
        this.gpu = new BlockGpuOps(GpuContext.get(), owner, matrixType);
    }

    /** For tests and tools: services on the shared context with plain CPU ops; throws when there is no GPU. */
    public static GpuBlockServices open(String owner) { return new GpuBlockServices(CpuOpsFactory.create(false), owner); }

    @Override public CpuOps cpu() { return cpu; }

    @Override public GpuOps gpu() { return gpu; }

    public BlockGpuOps ops() { return gpu; }

    @Override public void close() { gpu.close(); }
}
