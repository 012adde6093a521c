package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cuda.Cublas;
import io.jetrt.runtime.cuda.CudaDevice;
import io.jetrt.runtime.cuda.CudaDriver;
import io.jetrt.runtime.cuda.CudaUnavailableException;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.cuda.DenseKernels;
import io.jetrt.runtime.cuda.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one GPU the runtime computes on (device 0) and what every GPU block and the GPU model share on it:
 * the stream all work is queued on in order, cuBLAS bound to that stream (with its own workspace, so a
 * graph capture never makes it allocate), the runtime's dense kernels and the scratch arena. Opened once
 * per process on first use and kept for the process's life (the primary context outlives models anyway).
 */
public final class GpuContext {
    private static final Logger log = LoggerFactory.getLogger(GpuContext.class);
    private static final long CUBLAS_WORKSPACE = 32L << 20;
    private static GpuContext shared;
    private static String failure;

    final CudaDevice device;
    final Stream stream;
    final Cublas cublas;
    final DenseKernels dense;
    final ScratchArena arena;
    /** When set, launches through {@link #timed} are timed by events (never inside a graph capture). */
    private volatile KernelProfiler profiler;
    /** Device bytes held by all {@link BlockGpuOps} (weights, states): what tests check returns to its level. */
    private final java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
    /** Nesting of runtime steps that manage the arena themselves; outside one, a download frees scratch. */
    private int steps;

    private GpuContext(CudaDevice device) {
        this.device = device;
        this.stream = Stream.create(device);
        this.dense = DenseKernels.load(device);
        this.cublas = Cublas.create(device, stream);
        DeviceBuffer workspace = device.alloc(DType.I32, CUBLAS_WORKSPACE / 4);
        cublas.setWorkspace(workspace);
        this.arena = new ScratchArena(device);
    }

    /** The shared context; throws {@link CudaUnavailableException} saying why there is none. */
    public static synchronized GpuContext get() {
        if (shared != null) return shared;
        if (failure != null) throw new CudaUnavailableException(failure);
        String why = missing();
        if (why != null) {
            failure = why;
            throw new CudaUnavailableException(why);
        }
        try {
            shared = new GpuContext(CudaDevice.open(0));
            log.info("GPU: {} ({} MiB free), cuBLAS {}", shared.device, shared.device.freeMemory() >> 20, shared.cublas.version());
            return shared;
        } catch (RuntimeException e) {
            failure = "CUDA could not be set up: " + e.getMessage();
            throw new CudaUnavailableException(failure);
        }
    }

    /** Null when the GPU backend can run here, else why not (no driver or device, or the runtime's kernels were not built). */
    public static synchronized String missing() {
        if (shared != null) return null;
        if (failure != null) return failure;
        CudaDriver.Status s = CudaDriver.status();
        if (!s.available()) return s.reason();
        return DenseKernels.missing();
    }

    public static boolean available() {
        if (missing() != null) return false;
        try {
            get();
            return true;
        } catch (CudaUnavailableException e) {
            return false;
        }
    }

    public CudaDevice device() { return device; }

    public Stream stream() { return stream; }

    public Cublas cublas() { return cublas; }

    public DenseKernels dense() { return dense; }

    /** Scratch of {@code bytes}; see {@link io.jetrt.spi.GpuOps#scratch}. */
    public synchronized long scratch(long bytes) { return arena.take(bytes); }

    /** A scratch tensor (see {@link io.jetrt.spi.GpuOps#scratch}). */
    public io.jetrt.spi.DeviceTensor scratchTensor(io.jetrt.spi.DType dtype, int... shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return new io.jetrt.spi.DeviceTensor(scratch(n * dtype.bytes()), dtype, shape);
    }

    /** Where the scratch arena is now; scratch taken after it is given back by {@link #release}. */
    public synchronized long mark() { return arena.mark(); }

    /**
     * Gives back the scratch taken since {@code mark}. Safe as soon as the work using it is queued: the
     * stream runs in order, so whatever reuses the memory runs after it.
     */
    public synchronized void release(long mark) { arena.release(mark); }

    /** Starts a step that gives its scratch back itself; returns the mark for {@link #endStep}. */
    public synchronized long beginStep() {
        steps++;
        return arena.mark();
    }

    public synchronized void endStep(long mark) {
        steps--;
        arena.release(mark);
    }

    /** After a synchronous download outside any step nothing queued uses scratch any more. */
    synchronized void idle() {
        if (steps == 0) arena.release(0);
    }

    /** Starts timing every launch (see {@link KernelProfiler}); graphs are not used meanwhile. */
    public synchronized KernelProfiler startProfiling() {
        stopProfiling();
        profiler = new KernelProfiler(device, stream);
        return profiler;
    }

    public synchronized void stopProfiling() {
        if (profiler != null) profiler.close();
        profiler = null;
    }

    public boolean profiling() { return profiler != null; }

    /** Runs {@code launch}, timed under {@code name} while profiling. */
    public void timed(String name, Runnable launch) {
        KernelProfiler p = profiler;
        if (p == null) launch.run();
        else p.time(name, launch);
    }

    void held(long delta) { held.addAndGet(delta); }

    /** Device bytes that blocks, dense weights and states hold now (the scratch arena and cuBLAS workspace aside). */
    public long heldBytes() { return held.get(); }

    /** Device bytes the scratch arena holds. */
    public long scratchReserved() { return arena.reserved(); }
}
