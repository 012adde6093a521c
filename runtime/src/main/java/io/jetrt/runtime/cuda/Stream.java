package io.jetrt.runtime.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA stream: work on it runs in order. Created blocking (not {@code CU_STREAM_NON_BLOCKING}), so the
 * synchronous copies of {@link DeviceBuffer} on the legacy default stream are ordered against it.
 */
public final class Stream implements AutoCloseable {
    /** A {@link CUstream} whose raw handle can be read, for cuBLAS. */
    static final class Handle extends CUstream {
        long address() { return getNativePointer(); }
    }

    private final CudaDevice device;
    private final Handle handle = new Handle();
    private boolean closed;

    private Stream(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuStreamCreate(handle, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate on " + device);
    }

    public static Stream create(CudaDevice device) { return new Stream(device); }

    public CudaDevice device() { return device; }

    public CUstream handle() { return handle; }

    /** The raw {@code CUstream}/{@code cudaStream_t} value. */
    public long address() { return handle.address(); }

    /** Waits for all work queued so far; surfaces errors of earlier launches. */
    public void synchronize() {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuStreamSynchronize(handle), "cuStreamSynchronize on " + device);
    }

    /** Queues zeroing {@code bytes} at device address {@code address} (capturable into a graph). */
    public void zero(long address, long bytes) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemsetD8Async(at(address), (byte) 0, bytes, handle), "cuMemsetD8Async(" + bytes + " bytes)");
    }

    /** Queues setting {@code count} 32-bit words at {@code address} to {@code bits} (capturable), e.g. an f32 value's bits. */
    public void fill32(long address, int bits, long count) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemsetD32Async(at(address), bits, count, handle), "cuMemsetD32Async(" + count + " words)");
    }

    /** Queues a device-to-device copy of {@code bytes} (capturable into a graph). */
    public void copy(long src, long dst, long bytes) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemcpyDtoDAsync(at(dst), at(src), bytes, handle), "cuMemcpyDtoDAsync(" + bytes + " bytes)");
    }

    /** Copies {@code bytes} of host memory to device address {@code dst} now (synchronous, after queued work). */
    public void copyIn(jcuda.Pointer host, long dst, long bytes) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemcpyHtoD(at(dst), host, bytes), "cuMemcpyHtoD(" + bytes + " bytes)");
    }

    /** Copies {@code bytes} at device address {@code src} into host memory after queued work. */
    public void copyOut(long src, jcuda.Pointer host, long bytes) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemcpyDtoH(host, at(src), bytes), "cuMemcpyDtoH(" + bytes + " bytes)");
    }

    /** A driver pointer to a raw address: JCuda adds a pointer's byte offset to its (here zero) base. */
    static CUdeviceptr at(long address) { return new CUdeviceptr().withByteOffset(address); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuStreamDestroy(handle), "cuStreamDestroy on " + device);
    }
}
