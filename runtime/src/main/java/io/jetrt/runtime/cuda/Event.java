package io.jetrt.runtime.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA event with timing on: record two around device work, then {@link #millisSince} gives the time the
 * device spent between them (host clocks would also count launch latency and queueing).
 */
public final class Event implements AutoCloseable {
    private final CudaDevice device;
    private final CUevent event = new CUevent();
    private boolean closed;

    private Event(CudaDevice device) {
        this.device = device;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate on " + device);
    }

    public static Event create(CudaDevice device) { return new Event(device); }

    /** Marks the point in {@code stream} reached once the work queued before it is done. */
    public Event record(Stream stream) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuEventRecord(event, stream.handle()), "cuEventRecord");
        return this;
    }

    public void synchronize() {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Device milliseconds from {@code start} to this event; waits for this event first. */
    public float millisSince(Event start) {
        synchronize();
        float[] ms = {0};
        CudaException.check(JCudaDriver.cuEventElapsedTime(ms, start.event, event), "cuEventElapsedTime");
        return ms[0];
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuEventDestroy(event), "cuEventDestroy");
    }
}
