package io.jetrt.blocks.common;

import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Weights;

import java.util.Map;

/** {@link Weights} over a map, e.g. a fixture file's tensors or {@code initWeights}' result. */
public record MapWeights(String where, Map<String, FloatTensor> tensors) implements Weights {

    @Override
    public FloatTensor get(String name) {
        FloatTensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(where + ": weight '" + name + "' is missing");
        return t;
    }

    @Override
    public boolean has(String name) { return tensors.containsKey(name); }
}
