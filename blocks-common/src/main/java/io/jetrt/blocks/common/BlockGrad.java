package io.jetrt.blocks.common;

import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;

/**
 * A block's training math over one set of weights: the forward from an empty state and the backward of {@code Σ dy · y}.
 * In this package (not {@code grad}) because every bundle copies this package whole: a type of {@code grad} named here
 * would make bundles that do not train (mamba2, attention) import a package they do not carry.
 */
public interface BlockGrad {

    /** {@code y [B, T, D]} for {@code x [B, T, D]} from an empty state. */
    FloatTensor forward(FloatTensor x);

    /** The gradients of {@code L = Σ dy · y} with respect to {@code x} and every weight. */
    Gradients backward(FloatTensor x, FloatTensor dy);
}
