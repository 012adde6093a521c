package io.jetrt.blocks.gdn;

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

/** The fla Gated DeltaNet block type ({@code gdn}, alias {@code gated_deltanet}): weights, state layout, init and instances. */
public final class GatedDeltaNetProvider implements BlockProvider {
    static final String Q_CONV_STATE = "q_conv_state", K_CONV_STATE = "k_conv_state", V_CONV_STATE = "v_conv_state",
            RECURRENT_STATE = "recurrent_state";

    @Override public String type() { return "gdn"; }

    @Override public Set<String> aliases() { return Set.of("gated_deltanet"); }

    private final String version;

    /** Version 1.0.0, as bnd.bnd declares it: for use outside a framework (tests, tools). */
    public GatedDeltaNetProvider() { this("1.0.0"); }

    /** @param version the implementation version, the bundle's */
    public GatedDeltaNetProvider(String version) { this.version = version; }

    @Override public String version() { return version; }

    /** Reference and CPU always; CUDA when the bundle carries its compiled kernels (gdn.fatbin). */
    @Override public Set<Backend> backends() {
        Set<Backend> b = EnumSet.of(Backend.REFERENCE, Backend.CPU);
        if (GatedDeltaNetCuda.IMAGE.present()) b.add(Backend.CUDA);
        return b;
    }

    @Override
    public List<WeightDecl> weights(BlockConfig config) { return GatedDeltaNetWeights.declare(GatedDeltaNetConfig.from(config)); }

    /** Conv caches of raw projections {@code [C, W]} (oldest first) for q, k, v, and {@code recurrent_state [H, Dk, Dv]}. */
    @Override
    public List<StateSlot> stateLayout(BlockConfig config, int capacity) {
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        return List.of(StateSlot.f32(Q_CONV_STATE, c.keyDim(), c.convSize()),
                StateSlot.f32(K_CONV_STATE, c.keyDim(), c.convSize()),
                StateSlot.f32(V_CONV_STATE, c.valueDim(), c.convSize()),
                StateSlot.f32(RECURRENT_STATE, c.numHeads(), c.dk(), c.dv()));
    }

    /**
     * As fla's model {@code _init_weights} leaves them (BLOCKS.md §5): every Linear and Conv1d weight from
     * N(0, initializer_range), conv biases zero; A_log = log U(0, 16); dt_bias the inverse softplus of
     * dt = exp(U(log 1e-3, log 0.1)) ≥ 1e-4; o_norm ones.
     */
    @Override
    public Map<String, FloatTensor> initWeights(BlockConfig config, long seed) {
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        Init init = new Init(seed);
        double std = c.initializerRange();
        Map<String, FloatTensor> m = new LinkedHashMap<>();
        for (WeightDecl d : GatedDeltaNetWeights.declare(c)) {
            FloatTensor t = switch (d.name()) {
                case GatedDeltaNetWeights.A_LOG -> init.aLog(c.numHeads(), 0, 16);
                case GatedDeltaNetWeights.DT_BIAS -> init.dtBias(c.numHeads());
                case GatedDeltaNetWeights.Q_BIAS, GatedDeltaNetWeights.K_BIAS, GatedDeltaNetWeights.V_BIAS -> FloatTensor.zeros(d.shape());
                case GatedDeltaNetWeights.O_NORM -> Init.ones(d.shape());
                default -> init.normal(std, d.shape());
            };
            m.put(d.name(), t);
        }
        return m;
    }

    @Override
    public Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services) {
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(config);
        BlockChecks.weights(c.where(), GatedDeltaNetWeights.declare(c), weights);
        GatedDeltaNetWeights w = GatedDeltaNetWeights.from(c, weights);
        return switch (backend) {
            case REFERENCE -> new GatedDeltaNetReference(c, w);
            case CPU -> new GatedDeltaNetCpu(c, w, services.cpu());
            case CUDA -> {
                if (!GatedDeltaNetCuda.IMAGE.present()) throw new IllegalStateException(c.where() + ": kernels missing: " + GatedDeltaNetCuda.IMAGE.missingReason());
                yield new GatedDeltaNetCuda(c, w, services.gpu());
            }
            default -> throw new IllegalArgumentException(c.where() + ": backend must be one of reference, cpu, cuda; got " + backend.id());
        };
    }
}
