package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.BlockChecks;
import io.jetrt.blocks.common.Init;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The JetBlock block type ({@code jet}, alias {@code jetblock}): weights, state layout, init and instances. */
public final class JetBlockProvider implements BlockProvider {
    static final String CONV_STATE = "conv_state", RECURRENT_STATE = "recurrent_state";

    @Override public String type() { return "jet"; }

    @Override public Set<String> aliases() { return Set.of("jetblock"); }

    private final String version;

    /** Version 1.0.0, as bnd.bnd declares it: for use outside a framework (tests, tools). */
    public JetBlockProvider() { this("1.0.0"); }

    /** @param version the implementation version, the bundle's */
    public JetBlockProvider(String version) { this.version = version; }

    @Override public String version() { return version; }

    /** Reference and CPU always; CUDA when the bundle carries its compiled kernels (jetblock.fatbin). */
    @Override public Set<Backend> backends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (JetBlockCuda.IMAGE.present()) b.add(Backend.CUDA);
        return b;
    }

    @Override
    public List<WeightDecl> weights(BlockConfig config) { return JetBlockWeights.declare(JetBlockConfig.from(config)); }

    /** {@code conv_state [value_dim, W]} (raw v_proj outputs, oldest first), {@code recurrent_state [H, Dk, Dv]}. */
    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        JetBlockConfig c = JetBlockConfig.from(config);
        return List.of(StateSlot.f32(CONV_STATE, c.valueDim(), c.convSize()),
                StateSlot.f32(RECURRENT_STATE, c.numHeads(), c.dk(), c.dv()));
    }

    /**
     * As a model built from its config gets them (BLOCKS.md §3.7): {@code _init_weights} draws every Linear,
     * the kernel generator's w1/w2 included, from N(0, initializer_range) with zero bias; A_log = log U(0, 16);
     * dt_bias the inverse softplus of dt = exp(U(log 1e-3, log 0.1)) ≥ 1e-4; o_norm ones.
     */
    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        JetBlockConfig c = JetBlockConfig.from(config);
        Init init = new Init(seed);
        double std = c.initializerRange();
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        for (WeightDecl d : JetBlockWeights.declare(c)) {
            FloatTensor t = switch (d.name()) {
                case JetBlockWeights.A_LOG -> init.aLog(c.numHeads(), 0, 16);
                case JetBlockWeights.DT_BIAS -> init.dtBias(c.numHeads());
                case JetBlockWeights.B2 -> FloatTensor.zeros(d.shape());
                case JetBlockWeights.O_NORM -> Init.ones(d.shape());
                default -> init.normal(std, d.shape());
            };
            m.put(d.name(), t);
        }
        return m;
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        JetBlockConfig c = JetBlockConfig.from(config);
        BlockChecks.weights(c.where(), JetBlockWeights.declare(c), weights);
        JetBlockWeights w = JetBlockWeights.from(weights);
        return switch (backend) {
            case REFERENCE -> new JetBlockReference(c, w);
            case CPU -> new JetBlockCpu(c, w, services.cpu());
            case CUDA -> {
                if (!JetBlockCuda.IMAGE.present()) throw new IllegalStateException(c.where() + ": kernels missing: " + JetBlockCuda.IMAGE.missingReason());
                yield new JetBlockCuda(c, w, services.gpu());
            }
            default -> throw new IllegalArgumentException(c.where() + ": backend must be one of reference, cpu, cuda; got " + backend.id());
        };
    }
}
