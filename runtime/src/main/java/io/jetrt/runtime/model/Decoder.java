package io.jetrt.runtime.model;

import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.spi.FloatTensor;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One backend's forward pass over a composed model: embedding, the bound layers' blocks with the dense norms and
 * MLPs between them, final norm and head (BLOCKS.md §2). {@link CpuDecoder} computes on host arrays,
 * {@link CudaDecoder} on the device; the {@link Composer} picks one per model, and {@link Model} calls it without
 * knowing which. Each decoder keeps its sequences' state in its own type {@code S}.
 *
 * <p>Callers hold the step gate and pass the layers as bound for this step ({@code snapshot}); positions are the
 * tokens each sequence has seen before {@code tokens} (the caller advances them afterwards).
 */
interface Decoder<S extends DecoderState> extends AutoCloseable {

    /** "cpu" or "cuda", for messages and reports. */
    String backend();

    /** The state type this decoder works on, to check a {@link ModelState}'s state before a step. */
    Class<S> stateType();

    /** Zeroed state of {@code batch} sequences of up to {@code capacity} tokens for the layers as {@code bound}. */
    S newState(List<Layer> bound, int batch, int capacity);

    /**
     * Runs {@code tokens [B, T]} (row-major, ids already checked against the vocabulary) through {@code snapshot},
     * advancing {@code state}; returns logits {@code [B, T, V]} when {@code allLogits}, else {@code [B, 1, V]}.
     */
    FloatTensor run(List<Layer> snapshot, int[] tokens, int batch, int[] positions, S state, boolean allLogits,
                    Model.LayerObserver observer);

    /**
     * {@code n} greedy steps fed from {@code first [B]}: each step's argmax is the next step's input. Returns the chosen
     * tokens {@code [n, B]} row-major. The CUDA decoder keeps the loop on the device (no logits cross to the host).
     */
    int[] greedy(List<Layer> snapshot, S state, int[] first, int[] positions, int n);

    /**
     * {@code n} teacher-forced steps: step {@code s} feeds {@code forced[s]} (of {@code forced [n, B]} row-major) and
     * chooses each sequence's argmax of that step's logits. Returns the chosen tokens {@code [n, B]}; fills
     * {@code stepMs[s]} with step {@code s}'s time. The CUDA decoder replays a captured step that reads its ids from a
     * device buffer and times steps with events (no host round trip per step).
     */
    int[] teacherForced(List<Layer> snapshot, S state, int[] forced, int[] positions, int n, double[] stepMs);

    /** Sets every value of every layer's state to {@code value} (see {@link ModelState#fillSynthetic}). */
    void fillSynthetic(S state, float value);

    /** Memory on the machine this decoder computes on, now (see {@link Model#memory}). */
    Model.Memory memory();

    /** Starts a new high-water mark of the memory the runtime holds (a no-op on the CPU). */
    void resetPeak();

    /** Starts a new peak of prefill scratch in use (a no-op on the CPU). */
    void resetScratchPeak();

    /** The most scratch bytes in use at once since {@link #resetScratchPeak}; -1 on the CPU, which has no arena. */
    long scratchPeak();

    /** Bytes of weights one decode step reads, as this decoder holds them, for the model with {@code parameters} weights. */
    long weightBytes(List<Layer> bound, long parameters);

    /** Bytes of float32 dense weights this decoder keeps on the heap (none on the GPU). */
    long hostWeightBytes();

    /** The rates of the machine this decoder computes on (measured now: takes a second or so). */
    MachineRates measureRates();

    /**
     * The dense weights by checkpoint name (a tied head is not listed apart) as float32, each read when asked: the
     * CPU decoder hands out its own arrays (read, never write), the CUDA decoder reads the checkpoint again, as it
     * keeps no host copy.
     */
    Map<String, Supplier<float[]>> denseWeights();

    @Override
    void close();
}
