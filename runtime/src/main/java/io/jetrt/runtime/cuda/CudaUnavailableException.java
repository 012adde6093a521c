package io.jetrt.runtime.cuda;

/**
 * CUDA cannot be used here: no driver, no device, kernels not built (nvcc absent at build time) or cuBLAS
 * not found. The message starts with what is missing ("no CUDA driver: ...", "kernels missing: ...").
 */
public final class CudaUnavailableException extends CudaException {
    public CudaUnavailableException(String message) { super(message); }
}
