package io.jetrt.blocks.gdn;

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
 * The fla Gated DeltaNet block type ({@code gdn}, alias {@code gated_deltanet}): weights, state layout, init and
 * instances. Reference and CPU always; CUDA when the bundle carries its compiled kernels (gdn.fatbin).
 * State: conv caches of raw projections {@code [C, W]} (oldest first) for q, k, v, and {@code recurrent_state
 * [H, Dk, Dv]}. Init as fla's model {@code _init_weights} leaves it (BLOCKS.md §5), every Conv1d weight drawn like
 * a Linear, as {@link GatedDeltaProvider} says.
 *
 * <p>Trainable (SPI 1.3): reference runs the float64 {@link GatedDeltaNetGrad}, cpu the float32
 * {@link GatedDeltaNetFastGrad} on the runtime's GEMM and workers, cuda {@link GatedDeltaNetCudaTrainer} behind host
 * copies ({@link DeviceTrainerGrad}) when the bundle carries its kernels; and on the device without host copies ({@link DeviceTrainableProvider}, SPI 1.4) by {@link GatedDeltaNetCudaTrainer}.
 */
public final class GatedDeltaNetProvider extends GatedDeltaProvider<GatedDeltaNetConfig, GatedDeltaNetWeights>
        implements DeviceTrainableProvider {
    static final String Q_CONV_STATE = "q_conv_state", K_CONV_STATE = "k_conv_state", V_CONV_STATE = "v_conv_state";

    /** Version 1.0.0, as bnd.bnd declares it: for use outside a framework (tests, tools). */
    public GatedDeltaNetProvider() { this("1.0.0"); }

    /** @param version the implementation version, the bundle's */
    public GatedDeltaNetProvider(String version) { super("gdn", "gated_deltanet", version, GatedDeltaNetCuda.IMAGE); }

    @Override protected GatedDeltaNetConfig config(BlockConfig config) { return GatedDeltaNetConfig.from(config); }

    @Override protected List<WeightDecl> declare(GatedDeltaNetConfig c) { return GatedDeltaNetWeights.declare(c); }

    @Override protected GatedDeltaNetWeights weights(GatedDeltaNetConfig c, Weights weights) {
        return GatedDeltaNetWeights.from(c, weights);
    }

    @Override protected List<StateSlot> convSlots(GatedDeltaNetConfig c) {
        return List.of(StateSlot.f32(Q_CONV_STATE, c.keyDim(), c.convSize()),
                StateSlot.f32(K_CONV_STATE, c.keyDim(), c.convSize()),
                StateSlot.f32(V_CONV_STATE, c.valueDim(), c.convSize()));
    }

    @Override protected Block reference(GatedDeltaNetConfig c, GatedDeltaNetWeights w) { return new GatedDeltaNetReference(c, w); }

    @Override protected Block cpu(GatedDeltaNetConfig c, GatedDeltaNetWeights w, CpuOps ops) { return new GatedDeltaNetCpu(c, w, ops); }

    @Override protected Block cuda(GatedDeltaNetConfig c, GatedDeltaNetWeights w, GpuOps gpu) { return new GatedDeltaNetCuda(c, w, gpu); }

    @Override protected BlockGrad grad(GatedDeltaNetConfig c, Weights weights) { return GatedDeltaNetGrad.of(c, weights); }

    @Override protected boolean trainsOnCuda() { return true; }

    @Override public DeviceTrainer deviceTrainer(BlockConfig config, GpuOps gpu) {
        return new GatedDeltaNetCudaTrainer(config(config), gpu);
    }

    @Override protected BlockGrad cudaGrad(GatedDeltaNetConfig c, Weights weights, GpuOps gpu) {
        return new DeviceTrainerGrad(GatedDeltaNetWeights.declare(c), weights, gpu, new GatedDeltaNetCudaTrainer(c, gpu));
    }

    @Override protected BlockGrad fastGrad(GatedDeltaNetConfig c, Weights weights, CpuOps ops) { return new GatedDeltaNetFastGrad(c, weights, ops); }
}
