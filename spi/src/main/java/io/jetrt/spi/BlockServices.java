package io.jetrt.spi;

/** What the runtime hands a block when it creates an instance. */
public interface BlockServices {

    CpuOps cpu();
}
