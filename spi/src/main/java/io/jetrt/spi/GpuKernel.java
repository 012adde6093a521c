package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A kernel of a module a block loaded with {@link GpuOps#kernel}; launched with {@link GpuOps#launch}.
 *
 * @since 1.1
 */
// implemented only by the runtime (BlockGpuOps' loaded kernels)
@ProviderType
public interface GpuKernel {

    /** The kernel's (extern "C") name. */
    String name();
}
