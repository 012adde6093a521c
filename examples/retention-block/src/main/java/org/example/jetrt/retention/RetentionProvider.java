package org.example.jetrt.retention;

import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * RetNet-style multi-scale retention, type {@code retention}. Per head h with fixed decay γ_h, for each
 * token: {@code S ← γ_h S + k vᵀ} ({@code S [Dk, Dv]}), {@code o = Sᵀ q · Dk^−0.5}, RMS-normalised per head
 * without weight, gated by {@code swish(g)}, then the output projection. Weights {@code q_proj, k_proj
 * [H·Dk, D]}, {@code v_proj, g_proj [H·Dv, D]}, {@code o_proj [D, H·Dv]}, no biases; state
 * {@code recurrent_state [H, Dk, Dv]}, independent of capacity. Positions are not used: the decay alone
 * carries order (no xPos rotation).
 */
public final class RetentionProvider implements BlockProvider, TrainableProvider {
    static final String Q = "q_proj.weight", K = "k_proj.weight", V = "v_proj.weight", G = "g_proj.weight", O = "o_proj.weight";
    static final String STATE = "recurrent_state";

    @Override public String type() { return "retention"; }

    @Override public String version() { return "1.0.0"; }

    @Override public Set<Backend> backends() { return Set.of(Backend.REFERENCE, Backend.CPU); }

    @Override
    public List<WeightDecl> weights(BlockConfig config) {
        RetentionConfig c = RetentionConfig.from(config);
        return List.of(WeightDecl.of(Q, c.keyDim(), c.hidden()), WeightDecl.of(K, c.keyDim(), c.hidden()),
                WeightDecl.of(V, c.valueDim(), c.hidden()), WeightDecl.of(G, c.valueDim(), c.hidden()),
                WeightDecl.of(O, c.hidden(), c.valueDim()));
    }

    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        RetentionConfig c = RetentionConfig.from(config);
        return List.of(StateSlot.f32(STATE, c.heads(), c.dk(), c.dv()));
    }

    /** Every projection N(0, initializer_range), as fla's {@code _init_weights} does for nn.Linear. */
    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        RetentionConfig c = RetentionConfig.from(config);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (WeightDecl d : weights(config)) {
            FloatTensor t = FloatTensor.zeros(d.shape());
            float[] data = t.data();
            for (int i = 0; i < data.length; i++) data[i] = (float) (normal(rng) * c.initRange());
            w.put(d.name(), t);
        }
        return w;
    }

    /** Training (SPI 1.3): a float64 forward and backward on the host ({@link RetentionTraining}). */
    @Override public Set<Backend> trainingBackends() { return Set.of(Backend.REFERENCE, Backend.CPU); }

    @Override
    public FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        return training(config, weights, backend, x, null).forward(x);
    }

    @Override
    public Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend, BlockServices services) {
        return training(config, weights, backend, x, dy).backward(x, dy);
    }

    /** Checks what a training call is handed, as create does: the backend, every weight's shape, {@code x [B, T, D]} and dy. */
    private RetentionTraining training(BlockConfig config, Weights weights, Backend backend, FloatTensor x, FloatTensor dy) {
        if (!trainingBackends().contains(backend)) {
            throw new IllegalArgumentException(type() + " " + version() + ": backend " + backend.id() + " is not offered for training");
        }
        RetentionConfig c = RetentionConfig.from(config);
        checkWeights(config, weights);
        if (x.rank() != 3 || x.dim(2) != c.hidden() || (dy != null && !dy.sameShape(x.shape()))) {
            throw new IllegalArgumentException(config.where() + ": x must be [B, T, " + c.hidden() + "] and dy its shape; got x "
                    + Arrays.toString(x.shape()) + (dy == null ? "" : ", dy " + Arrays.toString(dy.shape())));
        }
        return new RetentionTraining(c, weights);
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        RetentionConfig c = RetentionConfig.from(config);
        checkWeights(config, weights);
        return switch (backend) {
            case REFERENCE -> new RetentionReference(c, weights);
            case CPU -> new RetentionCpu(c, weights, services.cpu());
            default -> throw new IllegalArgumentException(type() + " " + version() + ": backend " + backend.id() + " is not offered");
        };
    }

    /** Standard normal by Box–Muller on the seeded stream. */
    private static double normal(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** {@code x, y [B, T, D]} with the state's B and {@code positions [B]}; returns T. */
    static int checkChunk(String where, RetentionConfig c, FloatTensor x, int[] positions, BlockState state, FloatTensor y) {
        if (x.rank() != 3 || x.dim(0) != state.batch() || x.dim(2) != c.hidden()) {
            throw new IllegalArgumentException(where + ": x must be [" + state.batch() + ", T, " + c.hidden() + "]; got " + Arrays.toString(x.shape()));
        }
        if (!y.sameShape(x.shape())) {
            throw new IllegalArgumentException(where + ": y must be " + Arrays.toString(x.shape()) + "; got " + Arrays.toString(y.shape()));
        }
        if (positions.length != state.batch()) {
            throw new IllegalArgumentException(where + ": positions must have " + state.batch() + " entries; got " + positions.length);
        }
        return x.dim(1);
    }

    private void checkWeights(BlockConfig config, Weights weights) {
        for (WeightDecl d : weights(config)) {
            if (!weights.has(d.name()) || !weights.get(d.name()).sameShape(d.shape())) {
                throw new IllegalArgumentException(config.where() + ": weight " + d.name() + " must have shape "
                        + Arrays.toString(d.shape()) + "; got " + (weights.has(d.name()) ? Arrays.toString(weights.get(d.name()).shape()) : "none"));
            }
        }
    }
}
