package io.jetrt.blocks.common;

import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;

import java.util.Arrays;
import java.util.List;

/** Checks at a block's boundaries: weights when it is created, tensor shapes once per call. */
public final class BlockChecks {
    private BlockChecks() {}

    /**
     * A training call's activations: {@code x [B, T, hidden]}, and {@code dy} (when not null) of x's shape; throws naming
     * {@code where} and what was given.
     */
    public static void activations(String where, int hidden, FloatTensor x, FloatTensor dy) {
        if (x.rank() != 3 || x.dim(2) != hidden) {
            throw new IllegalArgumentException(where + ": x must be [B, T, " + hidden + "]; got " + Arrays.toString(x.shape()));
        }
        if (dy != null && !dy.sameShape(x.shape())) {
            throw new IllegalArgumentException(where + ": dy must be " + Arrays.toString(x.shape()) + " like x; got "
                    + Arrays.toString(dy.shape()));
        }
    }

    /** Every declared weight present with its declared shape. */
    public static void weights(String where, List<WeightDecl> decls, Weights weights) {
        for (WeightDecl d : decls) {
            if (!weights.has(d.name())) throw new IllegalArgumentException(where + ": weight " + d.name() + " must be present; it is missing");
            FloatTensor t = weights.get(d.name());
            if (!t.sameShape(d.shape())) {
                throw new IllegalArgumentException(where + ": weight " + d.name() + " must have shape "
                        + Arrays.toString(d.shape()) + "; got " + Arrays.toString(t.shape()));
            }
        }
    }

    /** {@code x, y [B, T, D]} with the state's B; returns T. */
    public static int chunk(String where, FloatTensor x, FloatTensor y, BlockState state, int hidden) {
        if (x.rank() != 3 || x.dim(2) != hidden || x.dim(0) != state.batch()) {
            throw new IllegalArgumentException(where + ": x must be [" + state.batch() + ", T, " + hidden + "]; got "
                    + Arrays.toString(x.shape()));
        }
        if (!y.sameShape(x.shape())) {
            throw new IllegalArgumentException(where + ": y must be " + Arrays.toString(x.shape()) + "; got " + Arrays.toString(y.shape()));
        }
        return x.dim(1);
    }
}
