package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link TrainableProvider#backward} returns: the gradient of the loss with respect to the block's input
 * {@code [B, T, D]} and to each of its weights, by the names of {@link BlockProvider#weights}, in the order given (a
 * trainer sums over them in that order, so a run is reproducible bit for bit).
 *
 * <p>A final class made by {@link #of}, not a record: every provider constructs it, so a later field (e.g. the gradient of
 * an initial state) comes with a new factory and stays a minor change; a record's new component would not.
 */
// final: nobody implements it, a new method or factory is an addition
@ProviderType
public final class Gradients {
    private final FloatTensor input;
    private final Map<String, FloatTensor> weights;

    private Gradients(FloatTensor input, Map<String, FloatTensor> weights) {
        this.input = input;
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    /** The gradients of the input {@code [B, T, D]} and of each weight by name, kept in {@code weights}' iteration order. */
    public static Gradients of(FloatTensor input, Map<String, FloatTensor> weights) { return new Gradients(input, weights); }

    /** The gradient of the block's input {@code [B, T, D]}. */
    public FloatTensor input() { return input; }

    /** Each weight's gradient by name, in the order the provider gave them. */
    public Map<String, FloatTensor> weights() { return weights; }

    /** The gradient of weight {@code name}; throws naming it when the backward did not produce it. */
    public FloatTensor weight(String name) {
        FloatTensor g = weights.get(name);
        if (g == null) throw new IllegalArgumentException("no gradient for weight '" + name + "'; have " + weights.keySet());
        return g;
    }
}
