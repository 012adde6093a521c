package io.jetrt.blocks.common;

import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
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
 * A provider of the gated-delta family: one type id and alias, the reference and CPU backends always, CUDA when
 * the bundle carries its compiled kernels; the state is the block's conv caches then {@code recurrent_state
 * [H, Dk, Dv]}. A subclass names its config, weights, conv caches and the three block classes.
 *
 * <p>{@link #initWeights} draws as the upstream {@code _init_weights} leaves a layer (BLOCKS.md §3.7, §5): every
 * Linear and Conv1d weight from N(0, initializer_range), every bias zero; A_log = log U(0, 16); dt_bias the inverse
 * softplus of dt = exp(U(log 1e-3, log 0.1)) ≥ 1e-4; o_norm ones. The draws follow the declaration order.
 *
 * <p>Training (SPI 1.3) on the host backends runs, after the boundary checks (backend, weights against the
 * declarations, {@code x [B, T, D]} and {@code dy} of x's shape), the subclass's float64 reference ({@link #grad}) on
 * {@link Backend#REFERENCE}, its float32 fast path ({@link #fastGrad}) on {@link Backend#CPU}, and on
 * {@link Backend#CUDA} its device path ({@link #cudaGrad}) where the subclass has one.
 *
 * @param <C> the block's config
 * @param <W> the block's weights
 */
public abstract class GatedDeltaProvider<C extends GatedDeltaConfig, W extends GatedDeltaWeights> implements BlockProvider, TrainableProvider {
    public static final String RECURRENT_STATE = "recurrent_state";

    private final String type, alias, version;
    private final KernelImage kernels;

    /**
     * @param version the implementation version, the bundle's
     * @param kernels the bundle's compiled kernels, e.g. {@code jetblock.fatbin}
     */
    protected GatedDeltaProvider(String type, String alias, String version, KernelImage kernels) {
        this.type = type;
        this.alias = alias;
        this.version = version;
        this.kernels = kernels;
    }

    /** The validated config ({@code where} names the layer). */
    protected abstract C config(BlockConfig config);

    /** Every weight, in upstream order. */
    protected abstract List<WeightDecl> declare(C c);

    /** The weights, checked against {@link #declare} already. */
    protected abstract W weights(C c, Weights weights);

    /** The conv caches, each {@code [C, W]} of raw projections, oldest first. */
    protected abstract List<StateSlot> convSlots(C c);

    protected abstract Block reference(C c, W w);

    protected abstract Block cpu(C c, W w, CpuOps ops);

    protected abstract Block cuda(C c, W w, GpuOps gpu);

    /** The block's float64 training math over {@code weights} (checked against the declarations already): the reference. */
    protected abstract BlockGrad grad(C c, Weights weights);

    /** The block's float32 training math on the runtime's CPU services, for {@link Backend#CPU}. */
    protected abstract BlockGrad fastGrad(C c, Weights weights, CpuOps ops);

    /**
     * The block's training math on the GPU, for {@link Backend#CUDA}, when {@link #trainsOnCuda}: weights and
     * activations in device memory for the call, host tensors in and out.
     */
    protected BlockGrad cudaGrad(C c, Weights weights, GpuOps gpu) {
        throw new UnsupportedOperationException(c.where() + ": no cuda training");
    }

    /** Whether {@link #cudaGrad} is written: CUDA is a training backend when it is and the kernels are present. */
    protected boolean trainsOnCuda() { return false; }

    @Override public final String type() { return type; }

    @Override public final Set<String> aliases() { return Set.of(alias); }

    @Override public final String version() { return version; }

    @Override public final Set<Backend> backends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (kernels.present()) b.add(Backend.CUDA);
        return b;
    }

    @Override
    public final List<WeightDecl> weights(BlockConfig config) { return declare(config(config)); }

    @Override
    public final List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        C c = config(config);
        List<StateSlot> slots = new ArrayList<>(convSlots(c));
        slots.add(StateSlot.f32(RECURRENT_STATE, c.numHeads(), c.dk(), c.dv()));
        return List.copyOf(slots);
    }

    @Override
    public final Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        C c = config(config);
        Init init = new Init(seed);
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        for (WeightDecl d : declare(c)) {
            FloatTensor t = switch (d.name()) {
                case GatedDeltaWeights.A_LOG -> init.aLog(c.numHeads(), 0, 16);
                case GatedDeltaWeights.DT_BIAS -> init.dtBias(c.numHeads());
                case GatedDeltaWeights.O_NORM -> Init.ones(d.shape());
                default -> d.name().endsWith(".bias") ? FloatTensor.zeros(d.shape()) : init.normal(c.initializerRange(), d.shape());
            };
            m.put(d.name(), t);
        }
        return m;
    }

    @Override
    public final Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        C c = config(config);
        BlockChecks.weights(c.where(), declare(c), weights);
        W w = weights(c, weights);
        return switch (backend) {
            case REFERENCE -> reference(c, w);
            case CPU -> cpu(c, w, services.cpu());
            case CUDA -> {
                if (!kernels.present()) throw new IllegalStateException(c.where() + ": kernels missing: " + kernels.missingReason());
                yield cuda(c, w, services.gpu());
            }
            default -> throw new IllegalArgumentException(c.where() + ": backend must be one of reference, cpu, cuda; got " + backend.id());
        };
    }

    @Override public final Set<Backend> trainingBackends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (trainsOnCuda() && kernels.present()) b.add(Backend.CUDA);
        return b;
    }

    @Override
    public final FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        return trainer(config, weights, x, backend, services).forward(x);
    }

    @Override
    public final Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend,
                                    BlockServices services) {
        BlockGrad g = trainer(config, weights, x, backend, services);
        BlockChecks.activations(config.where(), config(config).hiddenSize(), x, dy);
        return g.backward(x, dy);
    }

    /**
     * The backend's training math over these weights, after the boundary checks: backend, weights, {@code x [B, T, D]}.
     * The reference is float64; CPU is float32 on the services' GEMM and workers.
     */
    private BlockGrad trainer(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services) {
        C c = config(config);
        if (!trainingBackends().contains(backend)) {
            throw new IllegalArgumentException(c.where() + ": training backend must be one of "
                    + String.join(", ", trainingBackends().stream().map(Backend::id).toList()) + "; got " + backend.id()
                    + (backend == Backend.CUDA && trainsOnCuda() ? " (kernels missing: " + kernels.missingReason() + ")" : ""));
        }
        BlockChecks.weights(c.where(), declare(c), weights);
        BlockChecks.activations(c.where(), c.hiddenSize(), x, null);
        return switch (backend) {
            case CPU -> fastGrad(c, weights, services.cpu());
            case CUDA -> cudaGrad(c, weights, services.gpu());
            default -> grad(c, weights);
        };
    }
}
