package io.jetrt.runtime.cuda;

import jcuda.driver.CUdeviceptr;

/** A {@link CUdeviceptr} whose raw address can be read: kernel arguments and cuBLAS take plain addresses. */
final class DevicePointer extends CUdeviceptr {
    long address() { return getNativePointer(); }
}
