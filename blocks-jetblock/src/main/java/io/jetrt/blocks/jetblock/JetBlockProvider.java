package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.GatedDeltaProvider;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The JetBlock block type ({@code jet}, alias {@code jetblock}): weights, state layout, init and instances.
 * Reference and CPU always; CUDA when the bundle carries its compiled kernels (jetblock.fatbin).
 * State: {@code conv_state [value_dim, W]} (raw v_proj outputs, oldest first), {@code recurrent_state [H, Dk, Dv]}.
 * Init as a model built from its config gets it (BLOCKS.md §3.7): {@code _init_weights} draws every Linear, the
 * kernel generator's w1/w2 included, as {@link GatedDeltaProvider} says.
 *
 * <p>Trainable (SPI 1.3) on the host backends: forward and backward both run the float64 reference of
 * {@link JetBlockGrad}, on reference and cpu alike (a fast CPU backward and CUDA are not written yet).
 */
public final class JetBlockProvider extends GatedDeltaProvider<JetBlockConfig, JetBlockWeights>
        implements TrainableProvider {
    static final String CONV_STATE = "conv_state";

    /** Version 1.0.0, as bnd.bnd declares it: for use outside a framework (tests, tools). */
    public JetBlockProvider() { this("1.0.0"); }

    /** @param version the implementation version, the bundle's */
    public JetBlockProvider(String version) { super("jet", "jetblock", version, JetBlockCuda.IMAGE); }

    @Override protected JetBlockConfig config(BlockConfig config) { return JetBlockConfig.from(config); }

    @Override protected List<WeightDecl> declare(JetBlockConfig c) { return JetBlockWeights.declare(c); }

    @Override protected JetBlockWeights weights(JetBlockConfig c, Weights weights) { return JetBlockWeights.from(weights); }

    @Override protected List<StateSlot> convSlots(JetBlockConfig c) {
        return List.of(StateSlot.f32(CONV_STATE, c.valueDim(), c.convSize()));
    }

    @Override protected Block reference(JetBlockConfig c, JetBlockWeights w) { return new JetBlockReference(c, w); }

    @Override protected Block cpu(JetBlockConfig c, JetBlockWeights w, CpuOps ops) { return new JetBlockCpu(c, w, ops); }

    @Override protected Block cuda(JetBlockConfig c, JetBlockWeights w, GpuOps gpu) { return new JetBlockCuda(c, w, gpu); }

    @Override public Set<Backend> trainingBackends() { return Set.of(Backend.REFERENCE, Backend.CPU); }

    @Override
    public FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        return trainer(config, weights, x, backend).forward(x);
    }

    @Override
    public Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend,
                              BlockServices services) {
        JetBlockGrad g = trainer(config, weights, x, backend);
        if (!dy.sameShape(x.shape())) {
            throw new IllegalArgumentException(config.where() + ": dy must be " + Arrays.toString(x.shape()) + " like x; got "
                    + Arrays.toString(dy.shape()));
        }
        return g.backward(x, dy);
    }

    /** The float64 reference over these weights, after the boundary checks: backend, weights, {@code x [B, T, D]}. */
    private JetBlockGrad trainer(BlockConfig config, Weights weights, FloatTensor x, Backend backend) {
        JetBlockConfig c = config(config);
        if (!trainingBackends().contains(backend)) {
            throw new IllegalArgumentException(c.where() + ": training backend must be one of reference, cpu; got " + backend.id());
        }
        BlockChecks.weights(c.where(), declare(c), weights);
        if (x.rank() != 3 || x.dim(2) != c.hiddenSize()) {
            throw new IllegalArgumentException(c.where() + ": x must be [B, T, " + c.hiddenSize() + "]; got " + Arrays.toString(x.shape()));
        }
        return JetBlockGrad.of(c, weights);
    }
}
