package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.GatedDeltaProvider;
import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.DeviceTrainerGrad;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.DeviceTrainableProvider;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.List;

/**
 * The JetBlock block type ({@code jet}, alias {@code jetblock}): weights, state layout, init and instances.
 * Reference and CPU always; CUDA when the bundle carries its compiled kernels (jetblock.fatbin).
 * State: {@code conv_state [value_dim, W]} (raw v_proj outputs, oldest first), {@code recurrent_state [H, Dk, Dv]}.
 * Init as a model built from its config gets it (BLOCKS.md §3.7): {@code _init_weights} draws every Linear, the
 * kernel generator's w1/w2 included, as {@link GatedDeltaProvider} says.
 *
 * <p>Trainable (SPI 1.3): reference runs the float64 {@link JetBlockGrad}, cpu the float32 {@link JetBlockFastGrad} on
 * the runtime's GEMM and workers, cuda {@link JetBlockCudaTrainer} behind host copies ({@link DeviceTrainerGrad}) when
 * the bundle carries its kernels; and on the device without host copies ({@link DeviceTrainableProvider}, SPI 1.4).
 */
public final class JetBlockProvider extends GatedDeltaProvider<JetBlockConfig, JetBlockWeights> implements DeviceTrainableProvider {
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

    @Override protected BlockGrad grad(JetBlockConfig c, Weights weights) { return JetBlockGrad.of(c, weights); }

    @Override protected BlockGrad fastGrad(JetBlockConfig c, Weights weights, CpuOps ops) { return new JetBlockFastGrad(c, weights, ops); }

    @Override protected boolean trainsOnCuda() { return true; }

    @Override public DeviceTrainer deviceTrainer(BlockConfig config, GpuOps gpu) { return new JetBlockCudaTrainer(config(config), gpu); }

    @Override protected BlockGrad cudaGrad(JetBlockConfig c, Weights weights, GpuOps gpu) {
        return new DeviceTrainerGrad(JetBlockWeights.declare(c), weights, gpu, new JetBlockCudaTrainer(c, gpu));
    }
}
