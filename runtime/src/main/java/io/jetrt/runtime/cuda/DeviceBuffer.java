package io.jetrt.runtime.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * Device memory of {@code elements} values of one {@link DType}, made by {@link CudaDevice#alloc}.
 * Uploads and downloads are synchronous copies on the legacy default stream, which orders them against
 * work on every {@link Stream} (those are created blocking): a kernel launched after an upload sees the
 * data, a download waits for the kernels before it. bf16/f16 are converted on the host, in chunks.
 */
public final class DeviceBuffer implements AutoCloseable {
    /** Host-side conversion chunk: bounds the temporary short[] for multi-GB weights. */
    private static final int CHUNK = 1 << 22;

    private final CudaDevice device;
    private final DevicePointer pointer;
    private final DType dtype;
    private final long elements;
    private boolean freed;

    DeviceBuffer(CudaDevice device, DevicePointer pointer, DType dtype, long elements) {
        this.device = device;
        this.pointer = pointer;
        this.dtype = dtype;
        this.elements = elements;
    }

    public CudaDevice device() { return device; }

    public DType dtype() { return dtype; }

    public long elements() { return elements; }

    public long bytes() { return elements * dtype.bytes; }

    /** The raw device address, for kernel arguments and cuBLAS. */
    public long address() {
        if (freed) throw new IllegalStateException("DeviceBuffer " + this + " was freed");
        return pointer.address();
    }

    /** The JCuda pointer, for driver calls this class does not wrap. */
    public CUdeviceptr pointer() { return pointer; }

    /** Uploads all of {@code src} to the start of this buffer, converting to this buffer's float type. */
    public void upload(float[] src) { upload(src, 0, src.length, 0); }

    /** Uploads {@code src[from, from + count)} to elements {@code [at, at + count)}. */
    public void upload(float[] src, int from, int count, long at) {
        checkRange("upload", at, count);
        if (from < 0 || from + count > src.length) throw new IndexOutOfBoundsException("DeviceBuffer.upload: source range [" + from + ", " + (from + count) + ") outside float[" + src.length + "]");
        device.makeCurrent();
        switch (dtype) {
            case F32 -> copyIn(Pointer.to(src).withByteOffset(4L * from), at * 4, 4L * count);
            case BF16, F16 -> {
                short[] tmp = new short[Math.min(count, CHUNK)];
                for (int done = 0; done < count; ) {
                    int n = Math.min(tmp.length, count - done);
                    for (int i = 0; i < n; i++) {
                        float f = src[from + done + i];
                        tmp[i] = dtype == DType.BF16 ? DType.toBf16(f) : DType.toF16(f);
                    }
                    copyIn(Pointer.to(tmp), (at + done) * 2, 2L * n);
                    done += n;
                }
            }
            case I32 -> throw new IllegalArgumentException("DeviceBuffer.upload: float[] into an i32 buffer; use upload(int[])");
        }
    }

    /** Uploads ints (token ids) to the start of an {@link DType#I32} buffer. */
    public void upload(int[] src) {
        if (dtype != DType.I32) throw new IllegalArgumentException("DeviceBuffer.upload: int[] needs an i32 buffer; this one is " + dtype);
        checkRange("upload", 0, src.length);
        device.makeCurrent();
        copyIn(Pointer.to(src), 0, 4L * src.length);
    }

    /** All elements as floats (bf16/f16 widened exactly). */
    public float[] download() {
        if (elements > Integer.MAX_VALUE - 8) throw new IllegalStateException("DeviceBuffer.download: " + elements + " elements do not fit a float[]");
        float[] out = new float[(int) elements];
        download(0, out, 0, out.length);
        return out;
    }

    /** Elements {@code [at, at + count)} into {@code dst[to, to + count)}. */
    public void download(long at, float[] dst, int to, int count) {
        checkRange("download", at, count);
        device.makeCurrent();
        switch (dtype) {
            case F32 -> copyOut(Pointer.to(dst).withByteOffset(4L * to), at * 4, 4L * count);
            case BF16, F16 -> {
                short[] tmp = new short[Math.min(count, CHUNK)];
                for (int done = 0; done < count; ) {
                    int n = Math.min(tmp.length, count - done);
                    copyOut(Pointer.to(tmp), (at + done) * 2, 2L * n);
                    for (int i = 0; i < n; i++) dst[to + done + i] = dtype == DType.BF16 ? DType.fromBf16(tmp[i]) : DType.fromF16(tmp[i]);
                    done += n;
                }
            }
            case I32 -> throw new IllegalArgumentException("DeviceBuffer.download: an i32 buffer downloads with downloadInts()");
        }
    }

    /** All elements of an {@link DType#I32} buffer. */
    public int[] downloadInts() {
        if (dtype != DType.I32) throw new IllegalArgumentException("DeviceBuffer.downloadInts: this buffer is " + dtype);
        int[] out = new int[Math.toIntExact(elements)];
        device.makeCurrent();
        copyOut(Pointer.to(out), 0, 4L * out.length);
        return out;
    }

    /** Sets every element to {@code value} (NaN poisons outputs before a test run). */
    public void fill(float value) {
        device.makeCurrent();
        int r = switch (dtype) {
            case F32 -> JCudaDriver.cuMemsetD32(pointer, Float.floatToRawIntBits(value), elements);
            case I32 -> JCudaDriver.cuMemsetD32(pointer, (int) value, elements);
            case BF16 -> JCudaDriver.cuMemsetD16(pointer, DType.toBf16(value), elements);
            case F16 -> JCudaDriver.cuMemsetD16(pointer, DType.toF16(value), elements);
        };
        CudaException.check(r, "cuMemset of " + this);
    }

    private void copyIn(Pointer host, long byteOffset, long bytes) {
        CudaException.check(JCudaDriver.cuMemcpyHtoD(pointer.withByteOffset(byteOffset), host, bytes), "cuMemcpyHtoD into " + this);
    }

    private void copyOut(Pointer host, long byteOffset, long bytes) {
        CudaException.check(JCudaDriver.cuMemcpyDtoH(host, pointer.withByteOffset(byteOffset), bytes), "cuMemcpyDtoH from " + this);
    }

    private void checkRange(String op, long at, long count) {
        if (freed) throw new IllegalStateException("DeviceBuffer." + op + ": " + this + " was freed");
        if (at < 0 || count < 0 || at + count > elements) {
            throw new IndexOutOfBoundsException("DeviceBuffer." + op + ": elements [" + at + ", " + (at + count) + ") outside " + this);
        }
    }

    /** Frees the memory; later use throws. Idempotent. */
    @Override
    public void close() {
        if (freed) return;
        freed = true;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuMemFree(pointer), "cuMemFree of " + dtype + "[" + elements + "]");
    }

    @Override
    public String toString() { return dtype + "[" + elements + "] on device " + device.ordinal(); }
}
