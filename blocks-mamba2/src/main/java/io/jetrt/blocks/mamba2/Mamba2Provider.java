package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.BlockGrad;
import io.jetrt.blocks.common.DeviceTrainerGrad;
import io.jetrt.blocks.common.Init;
import io.jetrt.blocks.common.KernelImage;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.DeviceTrainableProvider;
import io.jetrt.spi.DeviceTrainer;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Mamba2 mixer (mamba_ssm / fla {@code Mamba2}), type {@code mamba2}, on the reference and CPU backends,
 * and on CUDA when the bundle carries its compiled kernels ({@link #KERNELS}).
 * Weight names are those of the upstream module's {@code state_dict()}. Trainable (SPI 1.3) on the host backends.
 */
public final class Mamba2Provider implements BlockProvider, TrainableProvider, DeviceTrainableProvider {
    public static final String TYPE = "mamba2";
    /** The kernels of {@code src/main/cuda/mamba2.cu}, compiled by the build (absent without nvcc). */
    static final KernelImage KERNELS = new KernelImage(Mamba2Provider.class, "/io/jetrt/blocks/mamba2/mamba2.fatbin");
    private final String version;

    /** Version 1.0.0, as bnd.bnd declares it: for use outside a framework (tests, tools). */
    public Mamba2Provider() { this("1.0.0"); }

    /** @param version the implementation version, the bundle's */
    public Mamba2Provider(String version) { this.version = version; }
    /** {@code [conv_dim, W]}: the last W raw xBC inputs, oldest first. */
    public static final String CONV_STATE = "conv_state";
    /** {@code [H, P, N]}. */
    public static final String SSM_STATE = "ssm_state";

    @Override public String type() { return TYPE; }

    @Override public String version() { return version; }

    private static byte[] image;

    /** The kernel image, read once: GpuOps loads an image once per instance of the array it is given. */
    static synchronized byte[] image() {
        if (image == null) image = KERNELS.bytes();
        return image;
    }

    @Override
    public Set<Backend> backends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (KERNELS.present()) b.add(Backend.CUDA);
        return Set.copyOf(b);
    }

    @Override
    public List<WeightDecl> weights(BlockConfig config) {
        Mamba2Config c = Mamba2Config.from(config);
        List<WeightDecl> out = new ArrayList<>();
        out.add(WeightDecl.of("in_proj.weight", c.inProjRows(), c.hidden()));
        if (c.bias()) out.add(WeightDecl.of("in_proj.bias", c.inProjRows()));
        out.add(WeightDecl.of("conv1d.weight", c.convDim(), 1, c.convKernel()));
        if (c.convBias()) out.add(WeightDecl.of("conv1d.bias", c.convDim()));
        out.add(WeightDecl.of("dt_bias", c.heads()));
        out.add(WeightDecl.of("A_log", c.heads()));
        out.add(WeightDecl.of("D", c.dHasHdim() ? c.dInner() : c.heads()));
        if (c.rmsnorm()) out.add(WeightDecl.of("norm.weight", c.dInner()));
        out.add(WeightDecl.of("out_proj.weight", c.hidden(), c.dInner()));
        if (c.bias()) out.add(WeightDecl.of("out_proj.bias", c.hidden()));
        return List.copyOf(out);
    }

    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        Mamba2Config c = Mamba2Config.from(config);
        return List.of(StateSlot.f32(CONV_STATE, c.convDim(), c.convKernel()),
                StateSlot.f32(SSM_STATE, c.heads(), c.headDim(), c.stateSize()));
    }

    /**
     * BLOCKS.md §6 Init: Linear and conv weights N(0, initializer_range) with zero biases (fla
     * {@code _init_weights}), {@code A_log = log U(1, 16)}, dt_bias the inverse softplus of
     * {@code dt = exp(U(log 1e-3, log 0.1))} clamped to ≥ 1e-4, {@code D = 1}, norm weight 1.
     */
    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        Mamba2Config c = Mamba2Config.from(config);
        Init init = new Init(seed);
        double std = c.initRange();
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        for (WeightDecl d : weights(config)) {
            int[] s = d.shape();
            m.put(d.name(), switch (d.name()) {
                case "in_proj.weight", "conv1d.weight", "out_proj.weight" -> init.normal(std, s);
                case "A_log" -> init.aLog(c.heads(), 1, 16);
                case "dt_bias" -> init.dtBias(c.heads());
                case "D", "norm.weight" -> Init.ones(s);
                default -> FloatTensor.zeros(s);   // the biases
            });
        }
        return m;
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        Mamba2Config c = Mamba2Config.from(config);
        BlockChecks.weights(config.where(), weights(config), weights);
        Mamba2Params p = Mamba2Params.from(c, weights);
        return switch (backend) {
            case REFERENCE -> new Mamba2Reference(c, p);
            case CPU -> new Mamba2Cpu(c, p, services.cpu());
            case CUDA -> {
                if (!KERNELS.present()) {
                    throw new IllegalArgumentException(config.where() + ": backend must be one of " + backends() + " for block "
                            + TYPE + "; got cuda (kernels missing: " + KERNELS.missingReason() + ")");
                }
                yield new Mamba2Cuda(c, p, services.gpu(), image());
            }
            default -> throw new IllegalArgumentException(config.where() + ": backend must be one of "
                    + backends() + " for block " + TYPE + "; got " + backend);
        };
    }

    /**
     * Training (SPI 1.3): on {@link Backend#REFERENCE} a float64 forward and backward token by token
     * ({@link Mamba2Training}); on {@link Backend#CPU} the same math in float32 on the runtime's GEMM and workers
     * ({@link Mamba2FastGrad}); on {@link Backend#CUDA}, when the bundle carries its kernels, {@link Mamba2CudaTrainer}
     * behind host copies, and without them as a {@link DeviceTrainableProvider} (SPI 1.4).
     */
    @Override public Set<Backend> trainingBackends() { return backends(); }

    @Override
    public DeviceTrainer deviceTrainer(BlockConfig config, GpuOps gpu) {
        if (!KERNELS.present()) throw new IllegalStateException(config.where() + ": kernels missing: " + KERNELS.missingReason());
        return new Mamba2CudaTrainer(Mamba2Config.from(config), gpu, image());
    }

    @Override
    public FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        BlockGrad t = training(config, weights, backend, services);
        BlockChecks.activations(config.where(), Mamba2Config.from(config).hidden(), x, null);
        return t.forward(x);
    }

    @Override
    public Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend, BlockServices services) {
        BlockGrad t = training(config, weights, backend, services);
        BlockChecks.activations(config.where(), Mamba2Config.from(config).hidden(), x, dy);
        return t.backward(x, dy);
    }

    private BlockGrad training(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        if (!trainingBackends().contains(backend)) {
            throw new IllegalArgumentException(config.where() + ": training backend must be one of "
                    + trainingBackends().stream().map(Backend::id).sorted().toList() + " for block " + TYPE + "; got " + backend.id());
        }
        BlockChecks.weights(config.where(), weights(config), weights);
        Mamba2Config c = Mamba2Config.from(config);
        return switch (backend) {
            case CPU -> new Mamba2FastGrad(c, weights, weights(config), services.cpu());
            case CUDA -> new DeviceTrainerGrad(weights(config), weights, services.gpu(), deviceTrainer(config, services.gpu()));
            default -> new Mamba2Training(c, weights);
        };
    }
}
