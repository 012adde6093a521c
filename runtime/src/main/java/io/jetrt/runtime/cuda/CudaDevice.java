package io.jetrt.runtime.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY;
import static jcuda.driver.CUresult.CUDA_SUCCESS;

/**
 * One GPU and its context. The context is the device's primary context, the one the CUDA runtime (and so
 * cuBLAS) uses too: device pointers, streams and modules are shared between JCuda and cuBLAS without any
 * context switch, and every {@code CudaDevice} opened on one ordinal shares it (the driver counts the
 * retains). Methods make it current on the calling thread when needed.
 */
public final class CudaDevice implements AutoCloseable {
    /** The context this class last made current on each thread; saves a driver call per launch. */
    private static final ThreadLocal<CUcontext> currentOnThread = new ThreadLocal<>();

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int ccMajor, ccMinor, multiprocessors;
    private final long totalMemory;
    private volatile boolean closed;

    private CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        CudaException.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        CudaException.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
        try {
            byte[] buf = new byte[256];
            JCudaDriver.cuDeviceGetName(buf, buf.length, device);
            int len = 0;
            while (len < buf.length && buf[len] != 0) len++;
            name = new String(buf, 0, len, StandardCharsets.US_ASCII);
            ccMajor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            ccMinor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            multiprocessors = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            long[] total = {0};
            CudaException.check(JCudaDriver.cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
            totalMemory = total[0];
        } catch (RuntimeException | Error e) {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    /** Opens device {@code ordinal} (0-based); throws {@link CudaUnavailableException} when CUDA is not there. */
    public static CudaDevice open(int ordinal) {
        CudaDriver.require();
        int count = CudaDriver.status().devices();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("CudaDevice.open: ordinal must be in [0, " + count + "); got " + ordinal);
        }
        return new CudaDevice(ordinal);
    }

    private int attribute(int attr) {
        int[] v = {0};
        CudaException.check(JCudaDriver.cuDeviceGetAttribute(v, attr, device), "cuDeviceGetAttribute(" + attr + ")");
        return v[0];
    }

    /** Makes this device's context current on the calling thread (a no-op when this class already did). */
    public void makeCurrent() {
        if (closed) throw new IllegalStateException(this + " is closed");
        if (currentOnThread.get() == context) return;
        CudaException.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent(" + this + ")");
        currentOnThread.set(context);
    }

    /** Allocates {@code elements} of {@code dtype}; contents undefined. */
    public DeviceBuffer alloc(DType dtype, long elements) {
        if (elements <= 0) throw new IllegalArgumentException("CudaDevice.alloc: elements must be > 0; got " + elements);
        if (elements > Long.MAX_VALUE / dtype.bytes) {
            throw new IllegalArgumentException("CudaDevice.alloc: " + elements + " " + dtype + " elements overflow a byte count");
        }
        makeCurrent();
        long bytes = elements * dtype.bytes;
        DevicePointer p = new DevicePointer();
        int r = JCudaDriver.cuMemAlloc(p, bytes);
        if (r == CUDA_ERROR_OUT_OF_MEMORY) {
            throw new OutOfDeviceMemoryException(toString(), dtype + "[" + elements + "]", bytes, freeMemory(), totalMemory);
        }
        CudaException.check(r, "cuMemAlloc(" + bytes + " bytes) on " + this);
        return new DeviceBuffer(this, p, dtype, elements);
    }

    /** Waits until all work on this device is done; surfaces errors of earlier asynchronous launches. */
    public void synchronize() {
        makeCurrent();
        CudaException.check(JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize on " + this);
    }

    public int ordinal() { return ordinal; }

    /** E.g. "NVIDIA H100 80GB HBM3". */
    public String name() { return name; }

    /** Compute capability as {@code 10 * major + minor}: 90 for Hopper, 80 for A100. */
    public int computeCapability() { return ccMajor * 10 + ccMinor; }

    public int multiprocessors() { return multiprocessors; }

    public long totalMemory() { return totalMemory; }

    /** Bytes free on the device now. */
    public long freeMemory() {
        makeCurrent();
        long[] free = {0}, total = {0};
        CudaException.check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo on " + this);
        return free[0];
    }

    CUcontext context() { return context; }

    /** Releases this handle's retain of the primary context; free this device's buffers and modules first. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (currentOnThread.get() == context) currentOnThread.remove();
        int r = JCudaDriver.cuDevicePrimaryCtxRelease(device);
        if (r != CUDA_SUCCESS) throw new CudaException("cuDevicePrimaryCtxRelease on " + this + " failed: " + CudaException.name(r));
    }

    /** "CUDA device 0 (NVIDIA H100 80GB HBM3, sm_90)". */
    @Override
    public String toString() { return "CUDA device " + ordinal + " (" + name + ", sm_" + computeCapability() + ")"; }
}
