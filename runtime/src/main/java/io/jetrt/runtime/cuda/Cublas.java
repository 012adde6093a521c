package io.jetrt.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A cuBLAS handle bound to one device and stream, through Java FFM ({@link CublasLibrary} finds the
 * library). cuBLAS is column-major; {@link #linear} and {@link #linearF32} take jetrt's row-major
 * {@code y[m, n] = x[m, k] · w[n, k]ᵀ} and do it as the column-major {@code yᵀ = w · xᵀ}:
 * {@code gemm(T, N, n, m, k, w, lda=k, x, ldb=k, y, ldc=n)}. Not thread-safe: one handle per thread.
 */
public final class Cublas implements AutoCloseable {
    // Enum values from the CUDA 13 headers/docs: library_types.h (cudaDataType_t), cublas_api.h
    public static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    public static final int CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14;
    public static final int CUBLAS_COMPUTE_32F = 68;
    /** fp32 in and out, operands may be rounded to bf16 (or tf32) inside: the tensor cores at fp32 accumulation. */
    public static final int CUBLAS_COMPUTE_32F_FAST_16BF = 75;
    static final int CUBLAS_GEMM_DEFAULT = -1;

    private final CublasLibrary lib;
    private final CudaDevice device;
    private final Arena arena;
    private final MemorySegment handle;
    /** Host scalars alpha, beta (pointer mode host), written before each call. */
    private final MemorySegment scalars;
    private Stream stream;
    private boolean closed;

    private Cublas(CudaDevice device, Stream stream) {
        this.lib = CublasLibrary.get();
        this.device = device;
        this.arena = Arena.ofShared();
        MemorySegment created = null;
        try {
            scalars = arena.allocate(JAVA_FLOAT, 2);
            device.makeCurrent(); // cuBLAS binds to the current (primary) context
            MemorySegment out = arena.allocate(ADDRESS);
            check(invoke(() -> (int) lib.create.invokeExact(out)), "cublasCreate_v2");
            created = out.get(ADDRESS, 0);
            handle = created;
            setStream(stream);
        } catch (RuntimeException | Error e) {
            if (created != null) {
                MemorySegment h = created;
                try {
                    invoke(() -> (int) lib.destroy.invokeExact(h));
                } catch (RuntimeException | Error d) {
                    e.addSuppressed(d);
                }
            }
            arena.close();
            throw e;
        }
    }

    /** A handle on {@code device} queueing its work on {@code stream}. */
    public static Cublas create(CudaDevice device, Stream stream) { return new Cublas(device, stream); }

    /** Where the library was loaded from. */
    public String library() { return lib.source; }

    /** cuBLAS version, e.g. 130100 for 13.1.0. */
    public int version() {
        device.makeCurrent();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(JAVA_INT);
            check(invoke(() -> (int) lib.getVersion.invokeExact(handle, v)), "cublasGetVersion_v2");
            return v.get(JAVA_INT, 0);
        }
    }

    public void setStream(Stream stream) {
        this.stream = stream;
        check(invoke(() -> (int) lib.setStream.invokeExact(handle, MemorySegment.ofAddress(stream.address()))), "cublasSetStream_v2");
    }

    /**
     * Gives cuBLAS its workspace, so that it never allocates inside a CUDA graph capture (cuBLAS's advice for
     * graphs); the buffer must outlive this handle's use.
     */
    public void setWorkspace(DeviceBuffer workspace) {
        device.makeCurrent();
        check(invoke(() -> (int) lib.setWorkspace.invokeExact(handle, MemorySegment.ofAddress(workspace.address()), workspace.bytes())),
                "cublasSetWorkspace_v2");
    }

    /** {@code y[m, n] = x[m, k] · w[n, k]ᵀ} with bf16 (or f16) x and w, fp32 y, fp32 accumulation. */
    public void linear(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k) {
        if (x.dtype() != w.dtype() || (x.dtype() != DType.BF16 && x.dtype() != DType.F16) || y.dtype() != DType.F32) {
            throw new IllegalArgumentException("Cublas.linear: needs bf16/f16 x and w of one type and an f32 y; got x " + x.dtype() + ", w " + w.dtype() + ", y " + y.dtype());
        }
        checkSizes("linear", x, w, y, m, n, k);
        int type = x.dtype() == DType.BF16 ? CUDA_R_16BF : CUDA_R_16F;
        gemmEx(CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, 1f, w.address(), type, k, x.address(), type, k, 0f, y.address(), CUDA_R_32F, n);
    }

    /** {@code y[m, n] = x[m, k] · w[n, k]ᵀ} all in fp32 (cublasSgemm). */
    public void linearF32(DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k) {
        if (x.dtype() != DType.F32 || w.dtype() != DType.F32 || y.dtype() != DType.F32) {
            throw new IllegalArgumentException("Cublas.linearF32: needs f32 x, w, y; got " + x.dtype() + ", " + w.dtype() + ", " + y.dtype());
        }
        checkSizes("linearF32", x, w, y, m, n, k);
        sgemm(CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, 1f, w.address(), k, x.address(), k, 0f, y.address(), n);
    }

    /** Column-major {@code cublasGemmEx} with fp32 compute, fp32 host scalars and the default algorithm. */
    public void gemmEx(int transA, int transB, int m, int n, int k, float alpha, long a, int aType, int lda,
                       long b, int bType, int ldb, float beta, long c, int cType, int ldc) {
        gemmEx(transA, transB, m, n, k, alpha, a, aType, lda, b, bType, ldb, beta, c, cType, ldc, CUBLAS_COMPUTE_32F);
    }

    /** Column-major {@code cublasGemmEx} with this compute type, fp32 host scalars and the default algorithm. */
    public synchronized void gemmEx(int transA, int transB, int m, int n, int k, float alpha, long a, int aType, int lda,
                                    long b, int bType, int ldb, float beta, long c, int cType, int ldc, int computeType) {
        device.makeCurrent();
        MemorySegment al = scalars.asSlice(0, 4), be = scalars.asSlice(4, 4);
        al.set(JAVA_FLOAT, 0, alpha);
        be.set(JAVA_FLOAT, 0, beta);
        check(invoke(() -> (int) lib.gemmEx.invokeExact(handle, transA, transB, m, n, k, al, MemorySegment.ofAddress(a), aType, lda,
                MemorySegment.ofAddress(b), bType, ldb, be, MemorySegment.ofAddress(c), cType, ldc, computeType, CUBLAS_GEMM_DEFAULT)),
                "cublasGemmEx(m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    /** Column-major {@code cublasSgemm_v2}. */
    public synchronized void sgemm(int transA, int transB, int m, int n, int k, float alpha, long a, int lda,
                                   long b, int ldb, float beta, long c, int ldc) {
        device.makeCurrent();
        MemorySegment al = scalars.asSlice(0, 4), be = scalars.asSlice(4, 4);
        al.set(JAVA_FLOAT, 0, alpha);
        be.set(JAVA_FLOAT, 0, beta);
        check(invoke(() -> (int) lib.sgemm.invokeExact(handle, transA, transB, m, n, k, al, MemorySegment.ofAddress(a), lda,
                MemorySegment.ofAddress(b), ldb, be, MemorySegment.ofAddress(c), ldc)), "cublasSgemm_v2(m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    private static void checkSizes(String op, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, int m, int n, int k) {
        if (m <= 0 || n <= 0 || k <= 0) throw new IllegalArgumentException("Cublas." + op + ": m, n, k must be > 0; got " + m + ", " + n + ", " + k);
        if (x.elements() < (long) m * k || w.elements() < (long) n * k || y.elements() < (long) m * n) {
            throw new IllegalArgumentException("Cublas." + op + ": buffers too small for m=" + m + ", n=" + n + ", k=" + k
                    + ": x " + x + " (needs " + (long) m * k + "), w " + w + " (needs " + (long) n * k + "), y " + y + " (needs " + (long) m * n + ")");
        }
    }

    private interface Call { int run() throws Throwable; }

    private static int invoke(Call call) {
        try {
            return call.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("cuBLAS call failed", t);
        }
    }

    private static void check(int status, String call) {
        if (status != 0) throw new CudaException(call + " failed: " + statusName(status) + " (" + status + ")");
    }

    /** cublasStatus_t names (cublas_api.h). */
    static String statusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cuBLAS status";
        };
    }

    public Stream stream() { return stream; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        int r = invoke(() -> (int) lib.destroy.invokeExact(handle));
        arena.close();
        check(r, "cublasDestroy_v2");
    }
}
