package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

/** What the runtime hands a block when it creates an instance. */
// implemented only by the runtime (GpuBlockServices, lambdas in LayerBinder) and by test harnesses standing in for it
@ProviderType
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
