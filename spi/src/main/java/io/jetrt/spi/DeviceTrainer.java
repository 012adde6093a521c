package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.Map;

/**
 * One block's training math on the GPU ({@link DeviceTrainableProvider}, SPI 1.4): both calls run a whole sequence from
 * an empty state, {@code x [B, T, D]} at positions {@code 0 … T-1}, with {@code weights}: F32 device tensors by the
 * names and shapes of {@link BlockProvider#weights}. Work is queued on the runtime's stream, like a block's.
 */
// implemented by block bundles
@ConsumerType
public interface DeviceTrainer {

    /** The loss's gradient at the block's output: the caller's kernels, queued on the same stream. */
    @FunctionalInterface
    interface LossGradient {
        /** {@code dy [B, T, D]} for the output {@code y}; valid until {@link #train} returns (scratch is fine). */
        DeviceTensor at(DeviceTensor y);
    }

    /** {@code y [B, T, D]}: the block's output for {@code x}. */
    void forward(Map<String, DeviceTensor> weights, DeviceTensor x, DeviceTensor y);

    /**
     * One training pass in one call (so the forward's activations may live in scratch memory): the forward on
     * {@code x}, then {@code dy = loss.at(y)}, then the backward of {@code L = Σ dy · y}: x's gradient into {@code dx}
     * (skipped when null) and each declared weight's into {@code grads} (same names and shapes; overwritten).
     */
    void train(Map<String, DeviceTensor> weights, DeviceTensor x, LossGradient loss, DeviceTensor dx, Map<String, DeviceTensor> grads);
}
