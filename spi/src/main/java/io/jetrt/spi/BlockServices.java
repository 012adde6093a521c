package io.jetrt.spi;

/** What the runtime hands a block when it creates an instance. */
public interface BlockServices {

    CpuOps cpu();

    /**
     * GPU services; present only for blocks created for {@link Backend#CUDA}.
     *
     * @throws UnsupportedOperationException for other backends
     * @since 1.1
     */
    default GpuOps gpu() {
        throw new UnsupportedOperationException("no GPU services: this block is not being created for the cuda backend");
    }
}
