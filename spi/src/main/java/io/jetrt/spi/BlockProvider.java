package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A block type offered by a bundle, registered as an OSGi service under this interface with the
 * properties {@link #PROP_TYPE} and {@link #PROP_VERSION}. The runtime looks providers up by type,
 * checks a layer's weights against {@link #weights}, allocates state by {@link #stateLayout} and calls
 * {@link #create}.
 */
// implemented by block bundles (one provider per bundle, the example plug-in, test fakes)
@ConsumerType
public interface BlockProvider {

    /** Service property: the block type id, e.g. {@code jet}, {@code attn}, {@code swa}, {@code mamba2}, {@code gdn}. */
    String PROP_TYPE = "jetrt.block.type";
    /** Service property: the implementation version, semantic ({@code 1.2.0}). */
    String PROP_VERSION = "jetrt.block.version";

    /** Type id used in configs and overrides. */
    String type();

    /** Other names for the same type, e.g. the block names used by reference files ({@code jetblock}). */
    default Set<String> aliases() { return Set.of(); }

    /** Implementation version, semantic. */
    String version();

    /** Backends this provider can create instances for. */
    Set<Backend> backends();

    /** The weights a block of this config expects, names relative to the layer's block prefix. */
    List<WeightDecl> weights(BlockConfig config);

    /**
     * The per-sequence decode state for this config. {@code capacity} is the longest sequence the
     * runtime will run (prompt plus generated tokens); blocks with a fixed-size state ignore it.
     */
    List<StateSlot> stateLayout(BlockConfig config, int capacity);

    /**
     * Weights drawn as the upstream constructor and {@code _init_weights} would, from {@code seed}:
     * what a layer gets when this block is swapped in where the checkpoint has no weights for it.
     */
    Map<String, FloatTensor> initWeights(BlockConfig config, long seed);

    /** A block instance on {@code backend}, one of {@link #backends()}. */
    Block create(BlockConfig config, Weights weights, Backend backend, BlockServices services);
}
