package io.jetrt.runtime.model;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.engine.Sampler;
import io.jetrt.spi.FloatTensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The decoder on the CPU: the residual stream {@code h [B, T, D]} and the dense weights are float32 host arrays,
 * blocks run through {@link io.jetrt.spi.Block}; each block's output is checked before it is added, so a fault
 * names its layer.
 */
final class CpuDecoder implements Decoder<CpuState> {
    private final ModelConfig config;
    private final DenseModel dense;

    CpuDecoder(ModelConfig config, DenseModel dense) {
        this.config = config;
        this.dense = dense;
    }

    @Override public String backend() { return "cpu"; }

    @Override public Class<CpuState> stateType() { return CpuState.class; }

    @Override
    public CpuState newState(List<Layer> bound, int batch, int capacity) { return new CpuState(bound, batch, capacity); }

    @Override
    public FloatTensor run(List<Layer> snapshot, int[] tokens, int batch, int[] positions, CpuState state, boolean allLogits,
                           Model.LayerObserver observer) {
        int steps = tokens.length / batch, rows = tokens.length, d = config.hiddenSize();
        float[] h = new float[rows * d], u = new float[rows * d];
        dense.embed(tokens, h);
        FloatTensor uT = new FloatTensor(u, new int[] {batch, steps, d});
        for (Layer layer : snapshot) {
            int i = layer.index();
            dense.rmsNorm(h, dense.inNorm[i], u, rows);
            FloatTensor y = FloatTensor.filled(Float.NaN, batch, steps, d); // a skipped write shows up as NaN
            float[] input = observer != null && observer.wantsBlocks() ? u.clone() : null; // before a block could write into it
            computeBlock(layer, uT, positions, state, y);
            if (input != null) observer.block(i, new FloatTensor(input, uT.shape()), y);
            float[] yd = y.data();
            for (int k = 0; k < h.length; k++) h[k] += yd[k];
            dense.rmsNorm(h, dense.postNorm[i], u, rows);
            dense.mlpResidual(i, u, h, rows);
            if (observer != null && observer.wantsHidden()) observer.after(i, new FloatTensor(h.clone(), new int[] {batch, steps, d}));
        }
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

    @Override
    public int[] greedy(List<Layer> snapshot, CpuState state, int[] first, int[] positions, int n) {
        int batch = first.length, vocab = config.vocabSize();
        int[] out = new int[n * batch], at = positions.clone(), next = first.clone();
        for (int s = 0; s < n; s++) {
            float[] logits = run(snapshot, next, batch, at, state, false, null).data();
            for (int b = 0; b < batch; b++) {
                next[b] = Sampler.argmax(logits, b * vocab, vocab);
                out[s * batch + b] = next[b];
                at[b]++;
            }
        }
        return out;
    }

    @Override
    public int[] teacherForced(List<Layer> snapshot, CpuState state, int[] forced, int[] positions, int n, double[] stepMs) {
        int batch = positions.length, vocab = config.vocabSize();
        int[] out = new int[n * batch], at = positions.clone();
        for (int s = 0; s < n; s++) {
            long t = System.nanoTime();
            float[] logits = run(snapshot, Arrays.copyOfRange(forced, s * batch, (s + 1) * batch), batch, at, state, false, null).data();
            for (int b = 0; b < batch; b++) {
                out[s * batch + b] = Sampler.argmax(logits, b * vocab, vocab);
                at[b]++;
            }
            stepMs[s] = (System.nanoTime() - t) / 1e6;
        }
        return out;
    }

    @Override
    public void fillSynthetic(CpuState state, float value) { state.fill(value); }

    /** The heap: what the JVM may still grow into, its ceiling; no peak is tracked and there is no arena. */
    @Override
    public Model.Memory memory() {
        Runtime rt = Runtime.getRuntime();
        return new Model.Memory(rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()), rt.maxMemory(), -1, 0);
    }

    @Override public void resetPeak() {}

    @Override public void resetScratchPeak() {}

    @Override public long scratchPeak() { return -1; }

    /** Calls the block; a throw or a non-finite output becomes a {@link BlockFaultException} naming layer and bundle. */
    private static void computeBlock(Layer layer, FloatTensor x, int[] positions, CpuState state, FloatTensor y) {
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

    /** Every weight as float32. */
    @Override public long weightBytes(List<Layer> bound, long parameters) { return Float.BYTES * parameters; }

    @Override
    public long hostWeightBytes() {
        long n = dense.embed.length + dense.finalNorm.length + (dense.head == dense.embed ? 0 : dense.head.length);
        for (int i = 0; i < config.numLayers(); i++) {
            n += dense.inNorm[i].length + dense.postNorm[i].length + dense.gate[i].length + dense.up[i].length + dense.down[i].length;
        }
        return Float.BYTES * n;
    }

    @Override public MachineRates measureRates() { return MachineRates.cpu(dense.ops()); }

    @Override
    public Map<String, Supplier<float[]>> denseWeights() {
        Map<String, Supplier<float[]>> w = new LinkedHashMap<>();
        w.put(HfNames.EMBED, () -> dense.embed);
        w.put(HfNames.FINAL_NORM, () -> dense.finalNorm);
        if (dense.head != dense.embed) w.put(HfNames.LM_HEAD, () -> dense.head);
        for (int i = 0; i < config.numLayers(); i++) {
            int layer = i;
            w.put(HfNames.inputNorm(i), () -> dense.inNorm[layer]);
            w.put(HfNames.postNorm(i), () -> dense.postNorm[layer]);
            w.put(HfNames.gateProj(i), () -> dense.gate[layer]);
            w.put(HfNames.upProj(i), () -> dense.up[layer]);
            w.put(HfNames.downProj(i), () -> dense.down[layer]);
        }
        return w;
    }

    @Override
    public void close() {}
}
