package io.jetrt.runtime.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver, cuBLAS or kernel failure; the message names the call and the error code's name. */
public class CudaException extends RuntimeException {
    public CudaException(String message) { super(message); }

    public CudaException(String message, Throwable cause) { super(message, cause); }

    /** Throws unless {@code result} is CUDA_SUCCESS; {@code call} says what was attempted. */
    static void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaException(call + " failed: " + name(result));
    }

    /** {@code CUDA_ERROR_OUT_OF_MEMORY (2)}. */
    static String name(int result) { return CUresult.stringFor(result) + " (" + result + ")"; }
}
