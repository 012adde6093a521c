package io.jetrt.runtime.gpu;

import io.jetrt.runtime.cuda.CudaDevice;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Temporary device memory handed out by bumping a pointer, given back by {@link #release(long)} to a
 * {@link #mark()}: no driver call per use. Chunks are only added, never freed before {@link #close}, so
 * a captured CUDA graph keeps pointing at live memory, and the same sequence of requests after the same
 * mark gets the same addresses (what replaying a captured decode step relies on).
 */
final class ScratchArena implements AutoCloseable {
    private static final long ALIGN = 256;
    private static final long MIN_CHUNK = 64L << 20;

    private final CudaDevice device;
    private final List<DeviceBuffer> chunks = new ArrayList<>();
    private int chunk;
    private long offset;

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
                return address;
            }
            chunk++;
            offset = 0;
        }
        long last = chunks.isEmpty() ? 0 : chunks.getLast().bytes();
        DeviceBuffer b = device.alloc(DType.I32, Math.max(need, Math.max(MIN_CHUNK, 2 * last)) / 4);
        chunks.add(b);
        chunk = chunks.size() - 1;
        offset = need;
        return b.address();
    }

    /** Bytes held on the device. */
    synchronized long reserved() {
        long n = 0;
        for (DeviceBuffer b : chunks) n += b.bytes();
        return n;
    }

    @Override
    public synchronized void close() {
        for (DeviceBuffer b : chunks) b.close();
        chunks.clear();
        chunk = 0;
        offset = 0;
    }
}
