package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cuda.CudaDevice;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.cuda.OutOfDeviceMemoryException;

import java.util.ArrayList;
import java.util.List;

/**
 * Temporary device memory handed out by bumping a pointer, given back by {@link #release(long)} to a
 * {@link #mark()}: no driver call per use. Chunks are only added, never freed before {@link #close}, so
 * a captured CUDA graph keeps pointing at live memory, and the same sequence of requests after the same
 * mark gets the same addresses (what replaying a captured decode step relies on).
 *
 * <p>It also keeps the peak of the bytes handed out and not yet given back ({@link #peakUse}), what a step
 * needs of scratch, without the unused tails of chunks a request skipped: planners measure it to size prefill chunks.
 */
final class ScratchArena implements AutoCloseable {
    private static final long ALIGN = 256;
    private static final long MIN_CHUNK = 64L << 20;

    private final CudaDevice device;
    private final List<DeviceBuffer> chunks = new ArrayList<>();
    /** Per chunk before the current one: the offset it was left at, i.e. the bytes in use in it. */
    private final List<Long> usedBefore = new ArrayList<>();
    private int chunk;
    private long offset;
    private long reserved, peak;

    ScratchArena(CudaDevice device) { this.device = device; }

    /** Where the arena is now; hand it back to {@link #release}. */
    synchronized long mark() { return ((long) chunk << 40) | offset; }

    synchronized void release(long mark) {
        chunk = (int) (mark >>> 40);
        offset = mark & ((1L << 40) - 1);
    }

    /** The device address of {@code bytes} of scratch (256-byte aligned). */
    synchronized long take(long bytes) {
        long need = (bytes + ALIGN - 1) / ALIGN * ALIGN;
        while (chunk < chunks.size()) {
            if (offset + need <= chunks.get(chunk).bytes()) {
                long address = chunks.get(chunk).address() + offset;
                offset += need;
                notePeak();
                return address;
            }
            leave();
        }
        chunks.add(grow(need));
        reserved += chunks.getLast().bytes();
        chunk = chunks.size() - 1;
        offset = need;
        notePeak();
        return chunks.getLast().address();
    }

    /** Doubling keeps the chunk count small; when the doubled chunk does not fit, exactly what is asked (rows planned from free memory count on it). */
    private DeviceBuffer grow(long need) {
        long last = chunks.isEmpty() ? 0 : chunks.getLast().bytes();
        long size = Math.max(need, Math.max(MIN_CHUNK, 2 * last));
        if (size > need) {
            try {
                return device.alloc(DType.I32, size / 4);
            } catch (OutOfDeviceMemoryException e) {
                // fall through to the exact size
            }
        }
        return device.alloc(DType.I32, need / 4);
    }

    /** Moves to the next chunk, remembering how much of this one is in use. */
    private void leave() {
        while (usedBefore.size() <= chunk) usedBefore.add(0L);
        usedBefore.set(chunk, offset);
        chunk++;
        offset = 0;
    }

    /** Bytes handed out and not given back. */
    private long live() {
        long n = offset;
        for (int i = 0; i < chunk; i++) n += usedBefore.get(i);
        return n;
    }

    private void notePeak() { peak = Math.max(peak, live()); }

    /** Starts a new peak at what is handed out now. */
    synchronized void resetPeakUse() { peak = live(); }

    /** The most bytes handed out at once since {@link #resetPeakUse} (skipped chunk tails not counted). */
    synchronized long peakUse() { return peak; }

    /** Bytes held on the device. */
    synchronized long reserved() { return reserved; }

    @Override
    public synchronized void close() {
        for (DeviceBuffer b : chunks) b.close();
        chunks.clear();
        usedBefore.clear();
        chunk = 0;
        offset = 0;
        reserved = 0;
        peak = 0;
    }
}
