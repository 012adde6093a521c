package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

import java.util.Arrays;

/**
 * A weight a block expects: its name relative to the layer's block prefix (for a Jet-Nemotron layer
 * {@code model.layers.N.self_attn.}), e.g. {@code q_proj.weight}, and its exact shape {@code [out, in]}.
 */
// a record: nobody implements it, a new method is an addition
@ProviderType
public record WeightDecl(String name, int[] shape) {
    public WeightDecl {
        shape = shape.clone();
    }

    public static WeightDecl of(String name, int... shape) { return new WeightDecl(name, shape); }

    @Override public int[] shape() { return shape.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof WeightDecl w && name.equals(w.name) && Arrays.equals(shape, w.shape);
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return name + Arrays.toString(shape); }
}
