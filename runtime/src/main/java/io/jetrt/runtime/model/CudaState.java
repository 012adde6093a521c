package io.jetrt.runtime.model;

import io.jetrt.runtime.cuda.CudaGraph;
import io.jetrt.runtime.gpu.BlockGpuOps;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.StateSlot;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link CudaDecoder}'s state: each layer's {@link DeviceState} (zeroed) in device memory, and the
 * decode step captured for these states and bindings with its fixed input/output buffers. Owns its device
 * memory; {@link #close} frees it.
 */
final class CudaState implements DecoderState {
    final int batch;
    final DeviceState[] layers;
    final BlockGpuOps memory;
    /** The bindings the captured decode step calls, by identity; a re-bound layer makes it stale. */
    List<Layer> graphBindings;
    CudaGraph graph;
    /** The captured step's inputs {@code tokens, positions} i32 [B] and output {@code logits} f32 [B, V]. */
    DeviceTensor graphTokens, graphPositions, graphLogits;
    /** The self-feeding greedy step (argmax and position advance on the device) and its token history [capacity, B]. */
    CudaGraph greedyGraph;
    DeviceTensor greedyHistory, greedyStep;
    /**
     * The teacher-forced step (feed from {@code forced}, argmax into {@code chosen}, advance) captured at its first use;
     * {@code forced} i32 {@code [capacity, B]} holds a run's ids, {@code chosen} i32 {@code [B]} a step's argmax. The step
     * counter and the history of chosen ids are the greedy step's.
     */
    CudaGraph forcedGraph;
    DeviceTensor forced, chosen;
    final int capacity;

    CudaState(BlockGpuOps memory, List<Layer> bound, int batch, int capacity) {
        this.memory = memory;
        this.batch = batch;
        this.capacity = capacity;
        this.layers = new DeviceState[bound.size()];
        for (int i = 0; i < layers.length; i++) {
            Layer l = bound.get(i);
            if (!l.available()) continue;
            List<StateSlot> layout = l.stateLayout(capacity);
            Map<String, DeviceTensor> slots = new LinkedHashMap<>();
            for (StateSlot s : layout) {
                int[] per = s.shape();
                int[] shape = new int[per.length + 1];
                shape[0] = batch;
                System.arraycopy(per, 0, shape, 1, per.length);
                slots.put(s.name(), memory.allocate(DType.F32, shape));
            }
            layers[i] = new DeviceState(batch, layout, slots);
        }
    }

    void dropGraph() {
        if (graph != null) graph.close();
        if (greedyGraph != null) greedyGraph.close();
        if (forcedGraph != null) forcedGraph.close();
        graph = null;
        greedyGraph = null;
        forcedGraph = null;
        graphBindings = null;
    }

    /** Every value of every layer's state set to {@code value}, queued on {@code stream}. */
    void fill(io.jetrt.runtime.cuda.Stream stream, float value) {
        for (DeviceState s : layers) {
            if (s == null) continue;
            for (DeviceTensor t : s.tensors().values()) stream.fill32(t.address(), Float.floatToRawIntBits(value), t.elements());
        }
    }

    @Override
    public long bytesPerSequence() {
        long n = 0;
        for (DeviceState s : layers) if (s != null) for (DeviceTensor t : s.tensors().values()) n += t.bytes();
        return n / batch;
    }

    @Override
    public void close() {
        try {
            dropGraph();
        } finally {
            memory.close();
        }
    }
}
