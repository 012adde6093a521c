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
    /** High-water mark of {@link #held} plus the arena's chunks. */
    private final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
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
    public synchronized long scratch(long bytes) {
        long address = arena.take(bytes);
        notePeak(held.get());
        return address;
    }

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

    void held(long delta) { notePeak(held.addAndGet(delta)); }

    private void notePeak(long heldNow) { peak.accumulateAndGet(heldNow + arena.reserved(), Math::max); }

    /** Starts a new high-water mark at what the runtime holds now ({@link #heldBytes} plus {@link #scratchReserved}). */
    public void resetPeak() { peak.set(held.get() + arena.reserved()); }

    /**
     * The most device bytes the runtime held at once since {@link #resetPeak} (or since the context opened): blocks,
     * dense weights and states plus the scratch arena's chunks. cuBLAS's workspace and buffers made straight on the
     * {@link CudaDevice} (rate measurements, tests) are not counted.
     */
    public long peakBytes() { return peak.get(); }

    /** Starts a new peak of scratch in use at what is in use now (see {@link #scratchPeak}). */
    public synchronized void resetScratchPeak() { arena.resetPeakUse(); }

    /** The most scratch bytes handed out at once since {@link #resetScratchPeak}: what a step needed, arena layout aside. */
    public synchronized long scratchPeak() { return arena.peakUse(); }

    /** Device bytes that blocks, dense weights and states hold now (the scratch arena and cuBLAS workspace aside). */
    public long heldBytes() { return held.get(); }

    /** Device bytes the scratch arena holds. */
    public long scratchReserved() { return arena.reserved(); }

    /**
     * What a report needs to say which GPU and software ran it.
     *
     * @param computeCapability "9.0" for Hopper
     * @param totalMemory       bytes
     * @param driver            the NVIDIA driver version ("570.86.15", from /proc/driver/nvidia/version), or where that
     *                          file cannot be read the driver's CUDA API version ("CUDA 12.8 driver")
     * @param cuda              the CUDA version the driver supports ({@code cuDriverGetVersion}), "12.8"
     * @param cublas            the cuBLAS library's version, "12.8.4"
     */
    public record Info(String name, String computeCapability, int multiprocessors, long totalMemory, String driver, String cuda, String cublas) {}

    /** This GPU and the driver, CUDA and cuBLAS versions in use. */
    public Info info() {
        int cc = device.computeCapability(), v = CudaDriver.status().driverVersion();
        String cuda = v / 1000 + "." + (v % 1000) / 10;
        int b;
        synchronized (this) {
            b = cublas.version();
        }
        String nvidia = nvidiaDriver();
        return new Info(device.name(), cc / 10 + "." + cc % 10, device.multiprocessors(), device.totalMemory(),
                nvidia != null ? nvidia : "CUDA " + cuda + " driver", cuda, b / 10000 + "." + (b / 100) % 100 + "." + b % 100);
    }

    /** The kernel module's version from /proc/driver/nvidia/version, or null when it cannot be read. */
    static String nvidiaDriver() {
        try {
            return nvidiaDriver(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/driver/nvidia/version")));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The version after "Kernel Module" in {@code text}: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15  ..." and
     * "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build ..." give 570.86.15 and 580.65.06.
     */
    static String nvidiaDriver(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kernel Module.*?\\s([0-9]+\\.[0-9]+(\\.[0-9]+)?)\\s").matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
