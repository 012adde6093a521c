package io.jetrt.runtime.cuda;

import jcuda.driver.CUfunction;

/** A kernel of a loaded {@link CudaModule}; launch it through a {@link Launcher}. */
public record CudaFunction(CudaModule module, String name, CUfunction handle) {
    @Override
    public String toString() { return module.name() + ":" + name; }
}
