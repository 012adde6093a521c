package io.jetrt.runtime.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * Work captured once from a stream and replayed as one launch: a decode step of a few hundred kernels
 * costs about 1 us per kernel replayed against 4-8 us launched one by one (../shared/gpu/README.md).
 * Kernel arguments are copied at capture: a replay uses the buffers and scalars of the capture, so
 * captured work reads its varying inputs (positions, token ids) from device memory.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaDevice device;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private boolean closed;

    private CudaGraph(CudaDevice device, CUgraph graph, CUgraphExec exec) {
        this.device = device;
        this.graph = graph;
        this.exec = exec;
    }

    /**
     * Runs {@code work}, which queues launches on {@code stream}, under capture (thread-local mode: other
     * threads may keep using CUDA meanwhile), and instantiates the result. Nothing runs on the device yet.
     */
    public static CudaGraph capture(Stream stream, Runnable work) {
        return capture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL, work);
    }

    /**
     * As {@link #capture(Stream, Runnable)} in relaxed mode: {@code work} may allocate device memory (not
     * captured, done at once), as the scratch arena does the first time a step needs more.
     */
    public static CudaGraph captureRelaxed(Stream stream, Runnable work) {
        return capture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED, work);
    }

    private static CudaGraph capture(Stream stream, int mode, Runnable work) {
        CudaDevice device = stream.device();
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuStreamBeginCapture(stream.handle(), mode), "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            // end the capture so the stream is usable again; the partial graph is dropped
            if (JCudaDriver.cuStreamEndCapture(stream.handle(), graph) == 0) JCudaDriver.cuGraphDestroy(graph);
            throw e;
        }
        CudaException.check(JCudaDriver.cuStreamEndCapture(stream.handle(), graph), "cuStreamEndCapture (a call inside the capture was not capturable?)");
        CUgraphExec exec = new CUgraphExec();
        int r = JCudaDriver.cuGraphInstantiate(exec, graph, 0L);
        if (r != 0) {
            JCudaDriver.cuGraphDestroy(graph);
            CudaException.check(r, "cuGraphInstantiate");
        }
        return new CudaGraph(device, graph, exec);
    }

    /** Queues one replay of the captured work on {@code stream}. */
    public void launch(Stream stream) {
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuGraphLaunch(exec, stream.handle()), "cuGraphLaunch");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        CudaException.check(JCudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
        CudaException.check(JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy");
    }
}
