package io.jetrt.runtime.model;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A composed decoder: {@code h = embed(ids)}; per layer {@code h += block(RMSNorm(h))},
 * {@code h += MLP(RMSNorm(h))}; {@code logits = head(RMSNorm(h))} (BLOCKS.md §2).
 *
 * <p>The model is live: when block providers come and go, {@link #rebind} moves layers to the preferred
 * provider of their type, keeping their weights. A step runs on one consistent set of bindings (it holds
 * the {@link StepGate}); a sequence's state follows a new binding at its next step when the state layout
 * is the same, and is rebuilt from the sequence's tokens when it is not (see {@link ModelState}). While a
 * layer has no provider, steps wait for one up to {@link #UNAVAILABLE_WAIT_MS}.
 */
public final class Model implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Model.class);
    /** How long a step waits for a missing block type to be installed again before failing. */
    public static final long UNAVAILABLE_WAIT_MS = Long.getLong("jetrt.unavailableWaitMs", 30_000);

    private final ModelConfig config;
    private final DenseModel dense;
    private final AtomicReferenceArray<Layer> layers;
    private final LayerBinder binder;
    private final StepGate gate;
    private final AutoCloseable checkpoint;
    private final LiveModels live;
    private final Object availability = new Object();
    /** The GPU path when the model runs on cuda, else null. */
    private final GpuModel gpu;

    Model(ModelConfig config, DenseModel dense, List<Layer> layers, LayerBinder binder, StepGate gate, AutoCloseable checkpoint,
          LiveModels live, GpuModel gpu) {
        this.gpu = gpu;
        this.config = config;
        this.dense = dense;
        this.layers = new AtomicReferenceArray<>(layers.toArray(new Layer[0]));
        this.binder = binder;
        this.gate = gate;
        this.checkpoint = checkpoint;
        this.live = live;
    }

    /** Stops re-binding and releases the checkpoint's file mappings; the model must not be used afterwards. */
    @Override
    public void close() {
        live.remove(this);
        for (int i = 0; i < layers.length(); i++) layers.get(i).release();
        if (gpu != null) gpu.close();
        try {
            checkpoint.close();
        } catch (Exception e) {
            log.warn("closing the checkpoint of {} failed: {}", config.source(), e.toString());
        }
    }

    public ModelConfig config() { return config; }

    /** Whether the model runs on the GPU (every layer on cuda, the residual stream on the device). */
    public boolean onGpu() { return gpu != null; }

    GpuModel gpu() { return gpu; }

    /** Device bytes of the dense weights on the GPU (0 on the CPU). */
    public long gpuWeightBytes() { return gpu == null ? 0 : gpu.weightBytes(); }

    /** The layers as bound now. */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>(layers.length());
        for (int i = 0; i < layers.length(); i++) out.add(layers.get(i));
        return out;
    }

    public ModelState newState(int batch, int capacity) { return new ModelState(this, batch, capacity); }

    /** Receives the residual stream {@code [B, T, D]} after each layer, for debugging and checks. */
    public interface LayerObserver {
        void after(int layer, FloatTensor hidden);
    }

    /**
     * Moves every layer to the preferred provider of its type now registered, leaving out the service
     * {@code goneServiceId} (being unregistered, or -1). A provider that cannot take a layer is logged with
     * its bundle and the layer keeps its binding — or becomes unavailable if its own provider is going away.
     */
    public synchronized void rebind(long goneServiceId) {
        for (int i = 0; i < layers.length(); i++) {
            Layer cur = layers.get(i);
            boolean losing = cur.available() && cur.binding().serviceId() == goneServiceId;
            Optional<ProviderBinding> best = binder.preferred(i, cur.type(), goneServiceId);
            if (best.isPresent() && cur.available() && best.get().serviceId() == cur.binding().serviceId()) continue;
            if (best.isPresent()) {
                try {
                    Layer next = binder.bind(cur.unbound(), best.get());
                    layers.set(i, next);
                    cur.release();
                    log.info("layer {} re-bound: {} -> {}", i, cur.available() ? cur.binding() : "unavailable", best.get());
                    continue;
                } catch (ComposeException e) {
                    log.error("layer {}: cannot move to {}: {}", i, best.get(), e.getMessage());
                }
            }
            if (losing || (best.isEmpty() && cur.available() && goneServiceId < 0)) {
                layers.set(i, cur.unbound());
                cur.release();
                log.warn("{} is unavailable: {}", cur.describe(), binder.missing(i, cur.type()));
            }
        }
        synchronized (availability) {
            availability.notifyAll();
        }
    }

    /**
     * Runs {@code tokens [B, T]} (row-major) continuing each sequence from {@code state}, advancing it.
     *
     * @param allLogits logits for every position {@code [B, T, V]}; else only for the last {@code [B, 1, V]}
     */
    public FloatTensor forward(int[] tokens, int batch, ModelState state, boolean allLogits, LayerObserver observer) {
        if (tokens.length % batch != 0) throw new IllegalArgumentException("forward: " + tokens.length + " tokens do not split into " + batch + " rows");
        if (state.batch() != batch) throw new IllegalArgumentException("forward: state holds " + state.batch() + " sequences; got " + batch);
        int steps = tokens.length / batch;
        int[] positions = state.positions();
        for (int b = 0; b < batch; b++) {
            if (positions[b] + steps > state.capacity()) {
                throw new IllegalArgumentException("sequence " + b + " would reach " + (positions[b] + steps)
                        + " tokens; the state was sized for " + state.capacity());
            }
        }
        List<Layer> snapshot = enterStepWhenAvailable();
        try {
            state.follow(snapshot, this);
            FloatTensor logits = run(snapshot, tokens, batch, state, allLogits, observer);
            state.record(tokens);
            return logits;
        } finally {
            gate.exitStep();
        }
    }

    /**
     * {@code n} greedy tokens per sequence after {@code first} [B] (the tokens to feed next), chosen on the GPU
     * without copying logits to the host; advances {@code state} by {@code n}. Returns them {@code [n, B]}.
     */
    public int[] greedyOnDevice(int[] first, ModelState state, int n) {
        if (gpu == null) throw new IllegalStateException("greedyOnDevice: model " + config.source() + " does not run on cuda");
        int batch = state.batch();
        if (first.length != batch) throw new IllegalArgumentException("greedyOnDevice: " + first.length + " first tokens for " + batch + " sequences");
        for (int b = 0; b < batch; b++) {
            if (state.positions()[b] + n > state.capacity()) {
                throw new IllegalArgumentException("sequence " + b + " would reach " + (state.positions()[b] + n) + " tokens; the state was sized for " + state.capacity());
            }
        }
        List<Layer> snapshot = enterStepWhenAvailable();
        try {
            state.follow(snapshot, this);
            int[] out = gpu.greedy(snapshot, state.gpuStates(), first, state.positions(), n);
            state.record(first);
            for (int s = 0; s + 1 < n; s++) state.record(java.util.Arrays.copyOfRange(out, s * batch, (s + 1) * batch));
            state.advance(n);
            return out;
        } finally {
            gate.exitStep();
        }
    }

    /** Enters the step gate with every layer bound, waiting for missing providers; returns the bindings. */
    private List<Layer> enterStepWhenAvailable() {
        long deadline = System.currentTimeMillis() + UNAVAILABLE_WAIT_MS;
        while (true) {
            gate.enterStep();
            List<Layer> snapshot = layers();
            List<Layer> missing = snapshot.stream().filter(l -> !l.available()).toList();
            if (missing.isEmpty()) return snapshot;
            gate.exitStep();
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new LayerUnavailableException("model " + config.source() + ": " + missing.size() + " layer(s) unavailable: "
                        + String.join("; ", missing.stream().map(l -> binder.missing(l.index(), l.type())).distinct().toList()));
            }
            synchronized (availability) {
                try {
                    availability.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LayerUnavailableException("interrupted while waiting for layers " + missing.stream().map(Layer::index).toList());
                }
            }
        }
    }

    /** One pass over {@code layers} without touching the step gate; used by {@link ModelState} to rebuild too. */
    FloatTensor run(List<Layer> snapshot, int[] tokens, int batch, ModelState state, boolean allLogits, LayerObserver observer) {
        int steps = tokens.length / batch, rows = tokens.length, d = config.hiddenSize();
        int[] positions = state.positions();
        if (gpu != null) {
            for (int r = 0; r < rows; r++) {
                if (tokens[r] < 0 || tokens[r] >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + tokens[r] + " at input position " + r + " is outside the vocabulary [0, "
                            + config.vocabSize() + ")");
                }
            }
            FloatTensor logits = gpu.run(snapshot, tokens, batch, positions, state.gpuStates(), allLogits, observer);
            state.advance(steps);
            checkFinite(logits);
            return logits;
        }
        float[] h = new float[rows * d], u = new float[rows * d];
        dense.embed(tokens, h);
        FloatTensor uT = new FloatTensor(u, new int[] {batch, steps, d});
        for (Layer layer : snapshot) {
            int i = layer.index();
            dense.rmsNorm(h, dense.inNorm[i], u, rows);
            FloatTensor y = FloatTensor.filled(Float.NaN, batch, steps, d); // a skipped write shows up as NaN
            computeBlock(layer, uT, positions, state, y);
            float[] yd = y.data();
            for (int k = 0; k < h.length; k++) h[k] += yd[k];
            dense.rmsNorm(h, dense.postNorm[i], u, rows);
            dense.mlpResidual(i, u, h, rows);
            if (observer != null) observer.after(i, new FloatTensor(h.clone(), new int[] {batch, steps, d}));
        }
        state.advance(steps);
        int outRows = allLogits ? rows : batch;
        float[] last = h;
        if (!allLogits) {
            last = new float[batch * d];
            for (int b = 0; b < batch; b++) System.arraycopy(h, ((b + 1) * steps - 1) * d, last, b * d, d);
        }
        float[] normed = new float[outRows * d];
        dense.rmsNorm(last, dense.finalNorm, normed, outRows);
        return new FloatTensor(dense.logits(normed, outRows), new int[] {batch, allLogits ? steps : 1, config.vocabSize()});
    }

    /** On the GPU blocks are not checked one by one (that would wait for each); non-finite logits name the step. */
    private void checkFinite(FloatTensor logits) {
        float[] l = logits.data();
        for (int k = 0; k < l.length; k++) {
            if (!Float.isFinite(l[k])) {
                throw new BlockFaultException("model " + config.source() + " on cuda produced " + l[k] + " at logits index " + k
                        + "; run with --backend cpu, or verify each block (jetrt verify --backend cuda), to find the layer", null);
            }
        }
    }

    /** Calls the block; a throw or a non-finite output becomes a {@link BlockFaultException} naming layer and bundle. */
    private static void computeBlock(Layer layer, FloatTensor x, int[] positions, ModelState state, FloatTensor y) {
        boolean decode = x.dim(1) == 1;
        try {
            if (decode) layer.block().decode(x, positions, state.layer(layer.index()), y);
            else layer.block().prefill(x, positions, state.layer(layer.index()), y);
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            throw new BlockFaultException(layer.describe() + " threw during " + (decode ? "decode" : "prefill") + ": " + e, e);
        }
        float[] yd = y.data();
        for (int k = 0; k < yd.length; k++) {
            if (!Float.isFinite(yd[k])) {
                int d = y.dim(2), t = y.dim(1);
                throw new BlockFaultException(layer.describe() + " returned " + yd[k] + " at [b, t, d] = [" + k / (t * d) + ", "
                        + (k / d) % t + ", " + k % d + "] during " + (decode ? "decode" : "prefill"), null);
            }
        }
    }

    /** Weights counted once (a tied head is the embedding), dense parts and every block's declared weights. */
    public long parameterCount() {
        long n = dense.embed.length + dense.finalNorm.length + (dense.head == dense.embed ? 0 : dense.head.length);
        for (int i = 0; i < layers.length(); i++) {
            n += dense.inNorm[i].length + dense.postNorm[i].length + dense.gate[i].length + dense.up[i].length + dense.down[i].length;
        }
        for (Layer l : layers()) {
            if (!l.available()) continue;
            for (WeightDecl d : l.binding().provider().weights(l.config())) {
                long s = 1;
                for (int x : d.shape()) s *= x;
                n += s;
            }
        }
        return n;
    }

    /** Parameters of the embedding table (read one row per token, unless tied to the head). */
    public long embeddingParameters() { return dense.embed.length; }

    /**
     * The dense weights the model computes with, by checkpoint name (a tied head is not listed apart), e.g.
     * to prove that variants share them bit for bit. The arrays are the model's own: read, never write.
     */
    public Map<String, float[]> denseWeights() {
        Map<String, float[]> w = new LinkedHashMap<>();
        w.put(HfNames.EMBED, dense.embed);
        w.put(HfNames.FINAL_NORM, dense.finalNorm);
        if (dense.head != dense.embed) w.put(HfNames.LM_HEAD, dense.head);
        for (int i = 0; i < layers.length(); i++) {
            w.put(HfNames.inputNorm(i), dense.inNorm[i]);
            w.put(HfNames.postNorm(i), dense.postNorm[i]);
            w.put(HfNames.gateProj(i), dense.gate[i]);
            w.put(HfNames.upProj(i), dense.up[i]);
            w.put(HfNames.downProj(i), dense.down[i]);
        }
        return w;
    }
}
