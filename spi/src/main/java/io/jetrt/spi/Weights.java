package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The weights of one block, owned by the runtime: names are relative to the block's prefix
 * (see {@link WeightDecl}). The runtime checks them against {@link BlockProvider#weights} before
 * {@link BlockProvider#create} is called, so a block may assume every declared name is present with
 * its declared shape.
 */
// implemented by the runtime (CheckpointWeights) and inside every block bundle too: bnd copies blocks-common's
// MapWeights into each bundle, so a new abstract method would break bundles
@ConsumerType
public interface Weights {

    /** The tensor, as float32; throws naming the tensor when it is absent. */
    FloatTensor get(String name);

    boolean has(String name);
}
