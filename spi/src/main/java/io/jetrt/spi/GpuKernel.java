package io.jetrt.spi;

/**
 * A kernel of a module a block loaded with {@link GpuOps#kernel}; launched with {@link GpuOps#launch}.
 *
 * @since 1.1
 */
public interface GpuKernel {

    /** The kernel's (extern "C") name. */
    String name();
}
