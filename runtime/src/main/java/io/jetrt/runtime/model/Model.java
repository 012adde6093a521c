package io.jetrt.runtime.model;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.spi.FloatTensor;

import java.util.List;

/**
 * A composed decoder: {@code h = embed(ids)}; per layer {@code h += block(RMSNorm(h))},
 * {@code h += MLP(RMSNorm(h))}; {@code logits = head(RMSNorm(h))} (BLOCKS.md §2).
 */
public final class Model {
    private final ModelConfig config;
    private final DenseModel dense;
    private final List<Layer> layers;

    Model(ModelConfig config, DenseModel dense, List<Layer> layers) {
        this.config = config;
        this.dense = dense;
        this.layers = List.copyOf(layers);
    }

    public ModelConfig config() { return config; }

    public List<Layer> layers() { return layers; }

    public ModelState newState(int batch, int capacity) { return new ModelState(this, batch, capacity); }

    /** Receives the residual stream {@code [B, T, D]} after each layer, for debugging and checks. */
    public interface LayerObserver {
        void after(int layer, FloatTensor hidden);
    }

    /**
     * Runs {@code tokens [B, T]} (row-major) continuing each sequence from {@code state}, advancing it.
     *
     * @param allLogits logits for every position {@code [B, T, V]}; else only for the last {@code [B, 1, V]}
     */
    public FloatTensor forward(int[] tokens, int batch, ModelState state, boolean allLogits, LayerObserver observer) {
        if (tokens.length % batch != 0) throw new IllegalArgumentException("forward: " + tokens.length + " tokens do not split into " + batch + " rows");
        if (state.batch() != batch) throw new IllegalArgumentException("forward: state holds " + state.batch() + " sequences; got " + batch);
        int steps = tokens.length / batch, rows = tokens.length, d = config.hiddenSize();
        int[] positions = state.positions();
        for (int b = 0; b < batch; b++) {
            if (positions[b] + steps > state.capacity()) {
                throw new IllegalArgumentException("sequence " + b + " would reach " + (positions[b] + steps)
                        + " tokens; the state was sized for " + state.capacity());
            }
        }
        float[] h = new float[rows * d], u = new float[rows * d];
        dense.embed(tokens, h);
        FloatTensor uT = new FloatTensor(u, new int[] {batch, steps, d});
        for (Layer layer : layers) {
            int i = layer.index();
            dense.rmsNorm(h, dense.inNorm[i], u, rows);
            FloatTensor y = FloatTensor.zeros(batch, steps, d);
            if (steps == 1) layer.block().decode(uT, positions, state.layer(i), y);
            else layer.block().prefill(uT, positions, state.layer(i), y);
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
}
