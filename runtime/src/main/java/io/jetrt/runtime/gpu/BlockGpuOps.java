package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cuda.Cublas;
import io.jetrt.runtime.cuda.CudaFunction;
import io.jetrt.runtime.cuda.CudaModule;
import io.jetrt.runtime.cuda.DenseKernels;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.cuda.Launcher;
import io.jetrt.runtime.cuda.OutOfDeviceMemoryException;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuKernel;
import io.jetrt.spi.GpuOps;
import jcuda.Pointer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.jetrt.runtime.cuda.Cublas.CUBLAS_OP_N;
import static io.jetrt.runtime.cuda.Cublas.CUBLAS_OP_T;
import static io.jetrt.runtime.cuda.Cublas.CUDA_R_16BF;
import static io.jetrt.runtime.cuda.Cublas.CUDA_R_32F;

/**
 * {@link GpuOps} for one block instance: everything it uploads or allocates, and the modules it loads,
 * are recorded and freed by {@link #close} when the runtime lets the block go (a swapped-out bundle
 * leaves no device memory behind). Every call holds the {@link GpuContext}'s monitor, the one a model step
 * holds: device work of other threads (loading a model, making a state) waits instead of landing inside a
 * step's graph capture.
 */
public final class BlockGpuOps implements GpuOps, AutoCloseable {
    /**
     * Decode-sized bf16 products (m <= 8) through the gemv kernel instead of cuBLAS; {@code -Djetrt.gpu.gemv=false}
     * sends them to cuBLAS. On an H100 the 2B model decoded 371 tok/s with it against 323 with cuBLAS (batch 1,
     * 4K context). Small f32 products always take it (cuBLAS sgemm spends ~10 us on a [1, 1536] x [24, 1536]ᵀ).
     */
    static final boolean GEMV_BF16 = Boolean.parseBoolean(System.getProperty("jetrt.gpu.gemv", "true"));

    private final GpuContext ctx;
    private final String owner;
    private final Map<Long, DeviceBuffer> owned = new LinkedHashMap<>();
    private final Map<byte[], CudaModule> modules = new IdentityHashMap<>();
    private final DType matrixType;
    private boolean closed;

    /** {@code owner} names the block in errors, e.g. "layer 3 (jet) of bundle io.jetrt.blocks.jetblock". */
    public BlockGpuOps(GpuContext ctx, String owner) { this(ctx, owner, DType.BF16); }

    public BlockGpuOps(GpuContext ctx, String owner, DType matrixType) {
        this.ctx = ctx;
        this.owner = owner;
        this.matrixType = matrixType;
    }

    @Override
    public DType matrixType() { return matrixType; }

    private record Kernel(String name, CudaFunction function, Map<Integer, Launcher> launchers) implements GpuKernel {}

    @Override
    public GpuKernel kernel(byte[] image, String name) {
        synchronized (ctx) {
            open();
            CudaModule m = modules.computeIfAbsent(image, i -> CudaModule.load(ctx.device, owner + " kernels", i));
            return new Kernel(name, m.function(name), new HashMap<>());
        }
    }

    @Override
    public void launch(GpuKernel kernel, int gridX, int gridY, int gridZ, int blockX, int blockY, int sharedBytes, Object... args) {
        if (!(kernel instanceof Kernel k)) throw new IllegalArgumentException(owner + ": launch of a kernel not made by GpuOps.kernel: " + kernel);
        synchronized (ctx) {
            Launcher l = k.launchers().computeIfAbsent(args.length, n -> new Launcher(k.function(), n));
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case DeviceTensor t -> l.address(i, t.address());
                    case Integer v -> l.i32(i, v);
                    case Long v -> l.i64(i, v);
                    case Float v -> l.f32(i, v);
                    case Double v -> l.f64(i, v);
                    case null, default -> throw new IllegalArgumentException(owner + ": kernel " + k.name() + " argument " + i
                            + " is " + args[i] + "; allowed are DeviceTensor, Integer, Long, Float, Double");
                }
            }
            ctx.timed(k.name(), () -> l.launch(ctx.stream, gridX, gridY, gridZ, blockX, blockY, 1, sharedBytes));
        }
    }

    @Override
    public void linear(DeviceTensor x, DeviceTensor w, DeviceTensor y) {
        if (w.rank() != 2) throw new IllegalArgumentException(owner + ": linear weight must be [n, k]; got " + w);
        int n = w.dim(0), k = w.dim(1);
        if (x.dtype() != DType.F32 || y.dtype() != DType.F32 || x.dim(-1) != k || y.dim(-1) != n || x.elements() / k != y.elements() / n) {
            throw new IllegalArgumentException(owner + ": linear needs f32 x [.., " + k + "] and y [.., " + n + "] with the same rows for w "
                    + Arrays.toString(w.shape()) + "; got x " + x + ", y " + y);
        }
        int m = Math.toIntExact(x.elements() / k);
        boolean bf16 = w.dtype() == DType.BF16;
        synchronized (ctx) {
            if ((bf16 ? GEMV_BF16 : w.dtype() == DType.F32) && DenseKernels.gemvFits(m, k, x.address(), w.address(), bf16)) {
                ctx.timed("gemv " + m + "x" + n + "x" + k + (bf16 ? " bf16" : " f32"),
                        () -> ctx.dense.gemv(ctx.stream, y.address(), x.address(), w.address(), m, n, k, bf16));
                return;
            }
            ctx.timed("linear " + m + "x" + n + "x" + k + (bf16 ? " (bf16 cast + gemm)" : " (f32 gemm)"), () -> gemm(x, w, y, m, n, k));
        }
    }

    /**
     * {@link #linear} for an x that is bf16 already (a kernel wrote it so, as the MLP's activation): the bf16 GEMM reads
     * it as is, with no cast kernel and no bf16 copy. bf16 w; f32 y.
     */
    public void linearBf16(DeviceTensor x, DeviceTensor w, DeviceTensor y) {
        if (w.rank() != 2 || w.dtype() != DType.BF16) throw new IllegalArgumentException(owner + ": linearBf16 needs a bf16 weight [n, k]; got " + w);
        int n = w.dim(0), k = w.dim(1);
        if (x.dtype() != DType.BF16 || y.dtype() != DType.F32 || x.dim(-1) != k || y.dim(-1) != n || x.elements() / k != y.elements() / n) {
            throw new IllegalArgumentException(owner + ": linearBf16 needs bf16 x [.., " + k + "] and f32 y [.., " + n
                    + "] with the same rows for w " + Arrays.toString(w.shape()) + "; got x " + x + ", y " + y);
        }
        int m = Math.toIntExact(x.elements() / k);
        synchronized (ctx) {
            ctx.timed("linear " + m + "x" + n + "x" + k + " (bf16 gemm)", () -> ctx.cublas.gemmEx(CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, 1f,
                    w.address(), CUDA_R_16BF, k, x.address(), CUDA_R_16BF, k, 0f, y.address(), CUDA_R_32F, n));
        }
    }

    @Override
    public void matmul(DeviceTensor a, boolean transA, DeviceTensor b, boolean transB, DeviceTensor c, float beta) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.dtype() != DType.F32 || b.dtype() != DType.F32 || c.dtype() != DType.F32) {
            throw new IllegalArgumentException(owner + ": matmul needs rank-2 f32 a, b, c; got a " + a + ", b " + b + ", c " + c);
        }
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb || c.dim(0) != m || c.dim(1) != n) {
            throw new IllegalArgumentException(owner + ": matmul of a " + a + (transA ? "ᵀ" : "") + " and b " + b + (transB ? "ᵀ" : "")
                    + " into c " + c + ": shapes do not match");
        }
        // FAST_16BF on the fp32 operands, not bf16 copies of them: copies ran the 2B retrofit's products 1.6x faster
        // but put the CUDA gradient fixtures 2-10x further off (see BlockGpuOpsTest's matmul bound)
        int compute = matrixType == DType.BF16 ? Cublas.CUBLAS_COMPUTE_32F_FAST_16BF : Cublas.CUBLAS_COMPUTE_32F;
        // row-major c = op(a)·op(b) is column-major cᵀ = op(b)ᵀ·op(a)ᵀ, and a row-major matrix read column-major is its transpose
        synchronized (ctx) {
            open();
            ctx.timed("matmul " + m + "x" + n + "x" + k + (compute == Cublas.CUBLAS_COMPUTE_32F ? " f32" : " bf16"),
                    () -> ctx.cublas.gemmEx(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, 1f,
                            b.address(), CUDA_R_32F, transB ? k : n, a.address(), CUDA_R_32F, transA ? m : k, beta,
                            c.address(), CUDA_R_32F, n, compute));
        }
    }

    private void gemm(DeviceTensor x, DeviceTensor w, DeviceTensor y, int m, int n, int k) {
        switch (w.dtype()) {
            case BF16 -> {
                long xb = ctx.scratch(2L * x.elements());
                ctx.dense.toBf16(ctx.stream, xb, x.address(), x.elements());
                ctx.cublas.gemmEx(CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, 1f, w.address(), CUDA_R_16BF, k, xb, CUDA_R_16BF, k,
                        0f, y.address(), CUDA_R_32F, n);
            }
            case F32 -> ctx.cublas.sgemm(CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, 1f, w.address(), k, x.address(), k, 0f, y.address(), n);
            default -> throw new IllegalArgumentException(owner + ": linear weight must be BF16 or F32; got " + w);
        }
    }

    @Override
    public DeviceTensor upload(FloatTensor t, DType dtype) {
        synchronized (ctx) {
            DeviceTensor d = allocateUnzeroed(dtype, t.shape());
            write(t, d);
            return d;
        }
    }

    @Override
    public DeviceTensor upload(int[] values) {
        synchronized (ctx) {
            DeviceTensor d = allocateUnzeroed(DType.I32, values.length);
            ctx.stream.copyIn(Pointer.to(values), d.address(), 4L * values.length);
            return d;
        }
    }

    @Override
    public DeviceTensor allocate(DType dtype, int... shape) {
        synchronized (ctx) {
            DeviceTensor d = allocateUnzeroed(dtype, shape);
            zero(d);
            return d;
        }
    }

    private DeviceTensor allocateUnzeroed(DType dtype, int... shape) {
        open();
        io.jetrt.runtime.cuda.DType t = switch (dtype) {
            case F32 -> io.jetrt.runtime.cuda.DType.F32;
            case BF16 -> io.jetrt.runtime.cuda.DType.BF16;
            case F16 -> io.jetrt.runtime.cuda.DType.F16;
            case I32 -> io.jetrt.runtime.cuda.DType.I32;
            default -> throw new IllegalArgumentException(owner + ": device tensors are F32, BF16, F16 or I32; got " + dtype);
        };
        long n = 1;
        for (int s : shape) n *= s;
        DeviceBuffer b;
        try {
            b = ctx.device.alloc(t, n);
        } catch (OutOfDeviceMemoryException e) {
            throw new OutOfDeviceMemoryException(owner, e);
        }
        owned.put(b.address(), b);
        ctx.held(b.bytes());
        return new DeviceTensor(b.address(), dtype, shape);
    }

    @Override
    public DeviceTensor scratch(DType dtype, int... shape) { return ctx.scratchTensor(dtype, shape); }

    @Override
    public void zero(DeviceTensor t) {
        synchronized (ctx) {
            ctx.stream.zero(t.address(), t.bytes());
        }
    }

    @Override
    public void copy(DeviceTensor src, DeviceTensor dst) {
        if (src.bytes() != dst.bytes()) throw new IllegalArgumentException(owner + ": copy of " + src + " into " + dst + ": sizes differ");
        synchronized (ctx) {
            ctx.stream.copy(src.address(), dst.address(), src.bytes());
        }
    }

    @Override
    public void write(FloatTensor src, DeviceTensor dst) {
        if (src.size() != dst.elements()) throw new IllegalArgumentException(owner + ": write of " + src + " into " + dst + ": sizes differ");
        float[] d = src.data();
        synchronized (ctx) {
            switch (dst.dtype()) {
                case F32 -> ctx.stream.copyIn(Pointer.to(d), dst.address(), 4L * d.length);
                case BF16 -> {
                    short[] h = new short[d.length];
                    for (int i = 0; i < d.length; i++) h[i] = DType.toBf16(d[i]);
                    ctx.stream.copyIn(Pointer.to(h), dst.address(), 2L * h.length);
                }
                default -> throw new IllegalArgumentException(owner + ": write into " + dst + ": only F32 and BF16 take floats");
            }
        }
    }

    @Override
    public FloatTensor download(DeviceTensor t) {
        int n = Math.toIntExact(t.elements());
        float[] out = new float[n];
        synchronized (ctx) {
            switch (t.dtype()) {
                case F32 -> ctx.stream.copyOut(t.address(), Pointer.to(out), 4L * n);
                case BF16 -> {
                    short[] h = new short[n];
                    ctx.stream.copyOut(t.address(), Pointer.to(h), 2L * n);
                    for (int i = 0; i < n; i++) out[i] = DType.fromBf16(h[i]);
                }
                case I32 -> {
                    int[] h = new int[n];
                    ctx.stream.copyOut(t.address(), Pointer.to(h), 4L * n);
                    for (int i = 0; i < n; i++) out[i] = h[i];
                }
                default -> throw new IllegalArgumentException(owner + ": download of " + t + ": unsupported type");
            }
            ctx.idle();
        }
        return new FloatTensor(out, t.shape());
    }

    @Override
    public void free(DeviceTensor t) {
        synchronized (ctx) {
            DeviceBuffer b = owned.remove(t.address());
            if (b == null) throw new IllegalArgumentException(owner + ": free of " + t + ", which this block does not own (a view or scratch?)");
            ctx.held(-b.bytes());
            b.close();
        }
    }

    @Override
    public int multiprocessors() { return ctx.device.multiprocessors(); }

    /** Device bytes this block holds. */
    public long bytesHeld() {
        synchronized (ctx) {
            long n = 0;
            for (DeviceBuffer b : owned.values()) n += b.bytes();
            return n;
        }
    }

    private void open() {
        if (closed) throw new IllegalStateException(owner + ": its GPU services were released");
    }

    /** Frees the block's memory and unloads its modules after queued work; frees even when that work failed. */
    @Override
    public void close() {
        synchronized (ctx) {
            if (closed) return;
            closed = true;
            try {
                ctx.stream.synchronize();
            } finally {
                for (DeviceBuffer b : owned.values()) {
                    ctx.held(-b.bytes());
                    b.close();
                }
                owned.clear();
                for (CudaModule m : modules.values()) m.close();
                modules.clear();
            }
        }
    }
}
