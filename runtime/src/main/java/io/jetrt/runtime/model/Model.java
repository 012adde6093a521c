package io.jetrt.runtime.model;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A composed decoder: {@code h = embed(ids)}; per layer {@code h += block(RMSNorm(h))},
 * {@code h += MLP(RMSNorm(h))}; {@code logits = head(RMSNorm(h))} (BLOCKS.md §2).
 *
 * <p>The model checks a step's inputs, takes one consistent set of bindings from its {@link LiveLayers} (which
 * re-binds layers when providers come and go, and waits for a missing one), lets the {@link ModelState} follow
 * them, and hands the step to its {@link Decoder} — the CPU or the CUDA one, chosen by the {@link Composer}.
 */
public final class Model implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Model.class);

    private final ModelConfig config;
    private final LiveLayers layers;
    private final Decoder<?> decoder;
    private final AutoCloseable checkpoint;
    private final LiveModels live;

    Model(ModelConfig config, LiveLayers layers, Decoder<?> decoder, AutoCloseable checkpoint, LiveModels live) {
        this.config = config;
        this.layers = layers;
        this.decoder = decoder;
        this.checkpoint = checkpoint;
        this.live = live;
    }

    /** Stops re-binding and releases the checkpoint's file mappings; the model must not be used afterwards. */
    @Override
    public void close() {
        live.remove(this);
        layers.releaseAll();
        decoder.close();
        try {
            checkpoint.close();
        } catch (Exception e) {
            log.warn("closing the checkpoint of {} failed: {}", config.source(), e.toString());
        }
    }

    public ModelConfig config() { return config; }

    /** The backend of the model's decoder: "cpu" (each layer on its own CPU backend: cpu or reference) or "cuda". */
    public String backend() { return decoder.backend(); }

    /** Bytes of weights one decode step reads: float32 on the CPU, as held on the device on the GPU. */
    public long weightBytes() { return decoder.weightBytes(layers(), parameterCount()); }

    /**
     * Bytes of float32 weights the model keeps on the heap: on the CPU every weight it computes with; on the GPU none
     * (each was uploaded and dropped; a block re-bound later reads its weights from the checkpoint again).
     */
    public long hostWeightBytes() {
        long n = decoder.hostWeightBytes();
        for (Layer l : layers()) if (l.weights() instanceof HostCopies h) n += h.heldBytes();
        return n;
    }

    /** The rates of the machine the model computes on (the CPU, or its GPU), measured now. */
    public MachineRates measureMachine() { return decoder.measureRates(); }

    /** The layers as bound now. */
    public List<Layer> layers() { return layers.now(); }

    public ModelState newState(int batch, int capacity) { return new ModelState(this, batch, capacity); }

    Decoder<?> decoder() { return decoder; }

    /** Receives the residual stream {@code [B, T, D]} after each layer, for debugging and checks. */
    public interface LayerObserver {
        void after(int layer, FloatTensor hidden);

        /**
         * Each layer's block input (the normed residual) {@code x [B, T, D]} and output {@code y [B, T, D]}, before the
         * residual add; a distillation trainer's teacher activations. Host tensors the observer may keep (the decoder
         * does not write them again); made only for an observer that {@link #wantsBlocks}.
         */
        default void block(int layer, FloatTensor x, FloatTensor y) {}

        /** Whether {@link #block} wants the copies (the GPU decoder downloads them only then). */
        default boolean wantsBlocks() { return false; }

        /**
         * On the GPU decoder, for an observer that {@link #wantsDeviceBlocks}, instead of {@link #block}: the block's input
         * and output as the decoder's own device tensors, valid only during the call (the observer copies them, on the
         * runtime's stream). The CPU decoder calls {@link #block} as always.
         */
        default void deviceBlock(int layer, io.jetrt.spi.DeviceTensor x, io.jetrt.spi.DeviceTensor y) {}

        default boolean wantsDeviceBlocks() { return false; }

        /** Whether {@link #after} is wanted: on the GPU each call downloads the residual stream. */
        default boolean wantsHidden() { return true; }
    }

    /** Re-binds layers to the preferred providers now registered, leaving out service {@code goneServiceId} (or -1). */
    public void rebind(long goneServiceId) { layers.rebind(goneServiceId); }

    /**
     * Runs {@code tokens [B, T]} (row-major) continuing each sequence from {@code state}, advancing it.
     *
     * @param allLogits logits for every position {@code [B, T, V]}; else only for the last {@code [B, 1, V]}
     */
    public FloatTensor forward(int[] tokens, int batch, ModelState state, boolean allLogits, LayerObserver observer) {
        if (tokens.length % batch != 0) throw new IllegalArgumentException("forward: " + tokens.length + " tokens do not split into " + batch + " rows");
        checkFits(state, batch, tokens.length / batch);
        checkIds(tokens);
        List<Layer> snapshot = layers.enterStep();
        try {
            state.follow(snapshot);
            FloatTensor logits = run(snapshot, tokens, batch, state, allLogits, observer);
            state.record(tokens);
            return logits;
        } finally {
            layers.exitStep();
        }
    }

    /**
     * {@code n} greedy tokens per sequence after {@code first} [B] (the tokens to feed next): each step's argmax is the
     * next input. On the GPU the loop stays on the device (no logits cross to the host). Advances {@code state} by
     * {@code n}; returns the chosen tokens {@code [n, B]} row-major.
     */
    public int[] greedy(int[] first, ModelState state, int n) {
        if (first.length != state.batch()) throw new IllegalArgumentException("greedy: " + first.length + " first tokens for " + state.batch() + " sequences");
        if (n < 1) throw new IllegalArgumentException("greedy: steps must be >= 1; got " + n);
        checkFits(state, state.batch(), n);
        checkIds(first);
        List<Layer> snapshot = layers.enterStep();
        try {
            state.follow(snapshot);
            int[] out = greedy(decoder, snapshot, state, first, n);
            state.record(first);
            for (int s = 0; s + 1 < n; s++) state.record(Arrays.copyOfRange(out, s * first.length, (s + 1) * first.length));
            state.advance(n);
            return out;
        } finally {
            layers.exitStep();
        }
    }

    private static <S extends DecoderState> int[] greedy(Decoder<S> d, List<Layer> snapshot, ModelState state, int[] first, int n) {
        return d.greedy(snapshot, d.stateType().cast(state.decoderState()), first, state.positions(), n);
    }

    /**
     * {@code n} teacher-forced steps: step {@code s} feeds {@code forced[s]} (of {@code forced [n, B]} row-major,
     * step-major like {@link #greedy}'s output) and chooses each sequence's argmax of that step's logits. On the GPU
     * the captured step is replayed, reading its ids from a device buffer and computing the argmax on the device.
     * Advances {@code state} by {@code n} and records the fed tokens as {@link #forward} does.
     *
     * @param stepMs filled with each step's time in milliseconds (length at least {@code n}): host clock on the CPU,
     *               CUDA events between the replays on the GPU
     * @return the chosen tokens {@code [n, B]} row-major
     */
    public int[] teacherForced(int[] forced, ModelState state, int n, double[] stepMs) {
        int batch = state.batch();
        if (n < 1) throw new IllegalArgumentException("teacherForced: steps must be >= 1; got " + n);
        if (forced.length != n * batch) {
            throw new IllegalArgumentException("teacherForced: forced ids must be [" + n + ", " + batch + "] = " + n * batch + "; got " + forced.length);
        }
        if (stepMs.length < n) throw new IllegalArgumentException("teacherForced: stepMs must hold " + n + " steps; got " + stepMs.length);
        checkFits(state, batch, n);
        checkIds(forced);
        List<Layer> snapshot = layers.enterStep();
        try {
            state.follow(snapshot);
            int[] out = teacherForced(decoder, snapshot, state, forced, n, stepMs);
            for (int s = 0; s < n; s++) state.record(Arrays.copyOfRange(forced, s * batch, (s + 1) * batch));
            state.advance(n);
            return out;
        } finally {
            layers.exitStep();
        }
    }

    private static <S extends DecoderState> int[] teacherForced(Decoder<S> d, List<Layer> snapshot, ModelState state, int[] forced, int n,
                                                                double[] stepMs) {
        return d.teacherForced(snapshot, d.stateType().cast(state.decoderState()), forced, state.positions(), n, stepMs);
    }

    /** Fills {@code state} for {@link ModelState#fillSynthetic}, on the bindings of now. */
    void fillSynthetic(ModelState state, int tokens) {
        List<Layer> snapshot = layers.enterStep();
        try {
            state.follow(snapshot);
            state.fill(tokens);
        } finally {
            layers.exitStep();
        }
    }

    /** Sets every layer's state to {@code value} (no step gate: {@link ModelState} calls it inside a step or a rebuild). */
    void fillState(ModelState state, float value) { fill(decoder, state, value); }

    private static <S extends DecoderState> void fill(Decoder<S> d, ModelState state, float value) {
        d.fillSynthetic(d.stateType().cast(state.decoderState()), value);
    }

    /**
     * Memory for planning rows, in bytes.
     *
     * @param free            what a new state could take now: free device memory on cuda ({@code cuMemGetInfo}); on
     *                        the CPU the heap's maximum minus what is in use
     * @param total           device memory; on the CPU the heap's maximum
     * @param peak            the most device memory the runtime held at once since {@link #resetPeak} (weights, states
     *                        and scratch of every model on the device); -1 on the CPU
     * @param scratchReserved scratch already reserved on the device that a prefill reuses before asking for more; 0 on the CPU
     */
    public record Memory(long free, long total, long peak, long scratchReserved) {}

    /** Memory on the machine the model computes on, now. */
    public Memory memory() { return decoder.memory(); }

    /** Starts a new high-water mark of device memory ({@link Memory#peak}); a no-op on the CPU. */
    public void resetPeak() {
        decoder.resetPeak();
        decoder.resetScratchPeak();
    }

    /** The most scratch (a step's activations) the device handed out at once since {@link #resetPeak}; -1 on the CPU. */
    public long scratchPeak() { return decoder.scratchPeak(); }

    /**
     * Bytes {@code newState(batch, capacity)} would allocate for the layers as bound now: every state slot as float32
     * (both decoders keep states in float32), nothing allocated. The CUDA decoder adds its captured step's buffers at
     * the first decode step: a few i32 {@code [capacity, B]} id histories and the logits {@code [B, V]}, not counted.
     */
    public long stateBytes(int batch, int capacity) {
        if (batch < 1 || capacity < 1) throw new IllegalArgumentException("stateBytes: batch and capacity must be >= 1; got " + batch + ", " + capacity);
        long perSequence = 0;
        for (Layer l : layers()) {
            if (!l.available()) continue;
            for (StateSlot s : l.stateLayout(capacity)) perSequence += s.elements() * Float.BYTES;
        }
        return perSequence * batch;
    }

    /**
     * What a prefill needs beyond weights and state: {@code fixedBytes + bytesPerRow × rows} for a chunk of {@code rows}
     * tokens (over the whole batch). On cuda both are measured (once per model: see {@link #prefillCost}); on the CPU
     * they are the dense activations only, from the config.
     */
    public record PrefillCost(long fixedBytes, long bytesPerRow, String how) {}

    private volatile PrefillCost prefillCost;

    /**
     * The prefill's memory per row, found once per model and kept.
     *
     * <p>cuda: the scratch arena's peak use during prefills of {@value #PROBE_SMALL} and {@value #PROBE_LARGE} tokens of
     * one sequence into a throwaway state; the slope between the two is the bytes per row, the rest at the small one the
     * fixed part (clamped at 0). Linear in rows for every block we ship (the dense MLP, projections, chunked
     * recurrences and tiled attention all scale with rows); a block whose scratch grows faster reads low here, which
     * the planner's margin only partly covers. Other threads' steps at the same time would inflate the probe.
     *
     * <p>CPU: float32 activations per row of the decoder's own arrays: the residual stream, the normed input and a
     * block output {@code 3·D}, gate, up and their product {@code 3·I}; the blocks' own temporaries are not counted,
     * and fixed = the last positions' logits of one sequence {@code V}.
     */
    public PrefillCost prefillCost() {
        PrefillCost c = prefillCost;
        if (c == null) {
            synchronized (this) {
                if (prefillCost == null) prefillCost = measurePrefillCost();
                c = prefillCost;
            }
        }
        return c;
    }

    /** Bytes a prefill needs per row of a chunk (see {@link #prefillCost}). */
    public long prefillBytesPerRow() { return prefillCost().bytesPerRow(); }

    static final int PROBE_SMALL = 256, PROBE_LARGE = 1024;

    private PrefillCost measurePrefillCost() {
        if (decoder.scratchPeak() < 0) {
            long d = config.hiddenSize(), inter = config.intermediateSize();
            return new PrefillCost((long) Float.BYTES * config.vocabSize(), Float.BYTES * (3 * d + 3 * inter),
                    "CPU estimate: float32 activations 3·D + 3·I per row, logits V");
        }
        long small = probeScratch(PROBE_SMALL), large = probeScratch(PROBE_LARGE);
        long perRow = Math.max(1, (large - small) / (PROBE_LARGE - PROBE_SMALL));
        long fixed = Math.max(0, small - perRow * PROBE_SMALL);
        log.info("model {}: prefill scratch {} bytes at {} rows, {} at {}: {} bytes per row + {} fixed", config.source(), small, PROBE_SMALL,
                large, PROBE_LARGE, perRow, fixed);
        return new PrefillCost(fixed, perRow, "scratch peak measured at " + PROBE_SMALL + " and " + PROBE_LARGE + " rows (batch 1)");
    }

    /** The scratch peak of one prefill of {@code rows} tokens of one sequence (ids spread over the vocabulary) into a throwaway state. */
    private long probeScratch(int rows) {
        int[] ids = new int[rows];
        for (int i = 0; i < rows; i++) ids[i] = (int) ((31L * i + 7) % config.vocabSize());
        try (ModelState s = newState(1, rows)) {
            decoder.resetScratchPeak();
            forward(ids, 1, s, false, null);
            return decoder.scratchPeak();
        }
    }

    /** One pass over {@code snapshot} without touching the step gate; {@link ModelState} rebuilds through it too. */
    FloatTensor run(List<Layer> snapshot, int[] tokens, int batch, ModelState state, boolean allLogits, LayerObserver observer) {
        FloatTensor logits = run(decoder, snapshot, tokens, batch, state, allLogits, observer);
        state.advance(tokens.length / batch);
        return logits;
    }

    private static <S extends DecoderState> FloatTensor run(Decoder<S> d, List<Layer> snapshot, int[] tokens, int batch, ModelState state,
                                                            boolean allLogits, LayerObserver observer) {
        return d.run(snapshot, tokens, batch, state.positions(), d.stateType().cast(state.decoderState()), allLogits, observer);
    }

    private static void checkFits(ModelState state, int batch, int steps) {
        if (state.batch() != batch) throw new IllegalArgumentException("forward: state holds " + state.batch() + " sequences; got " + batch);
        int[] positions = state.positions();
        for (int b = 0; b < batch; b++) {
            if (positions[b] + steps > state.capacity()) {
                throw new IllegalArgumentException("sequence " + b + " would reach " + (positions[b] + steps)
                        + " tokens; the state was sized for " + state.capacity());
            }
        }
    }

    private void checkIds(int[] tokens) {
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r] < 0 || tokens[r] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[r] + " at input position " + r + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
    }

    /** Weights counted once (a tied head is the embedding), dense parts and every block's declared weights. */
    public long parameterCount() {
        long d = config.hiddenSize(), inter = config.intermediateSize();
        long n = embeddingParameters() + d + (config.tieWordEmbeddings() ? 0 : embeddingParameters());
        n += config.numLayers() * (2 * d + 3 * inter * d);
        for (Layer l : layers()) {
            if (!l.available()) continue;
            for (WeightDecl w : l.binding().provider().weights(l.config())) {
                long s = 1;
                for (int x : w.shape()) s *= x;
                n += s;
            }
        }
        return n;
    }

    /** Parameters of the embedding table (read one row per token, unless tied to the head). */
    public long embeddingParameters() { return (long) config.vocabSize() * config.hiddenSize(); }

    /**
     * The dense weights as float32 by checkpoint name (a tied head is not listed apart), each read when asked, e.g.
     * to prove that variants share them bit for bit. Arrays may be the model's own: read, never write.
     */
    public Map<String, Supplier<float[]>> denseWeights() { return decoder.denseWeights(); }
}
