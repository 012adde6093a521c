package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Map;

/**
 * What {@link TrainableProvider#backward} returns: the gradient of the loss with respect to the block's input
 * {@code [B, T, D]} and to each of its weights, by the names of {@link BlockProvider#weights}.
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record Gradients(FloatTensor input, Map<String, FloatTensor> weights) {
    public Gradients {
        weights = Map.copyOf(weights);
    }

    /** The gradient of weight {@code name}; throws naming it when the backward did not produce it. */
    public FloatTensor weight(String name) {
        FloatTensor g = weights.get(name);
        if (g == null) throw new IllegalArgumentException("no gradient for weight '" + name + "'; have " + weights.keySet());
        return g;
    }
}
