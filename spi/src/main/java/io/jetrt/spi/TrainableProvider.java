package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

import java.util.Set;

/**
 * The training capability (SPI 1.3): a {@link BlockProvider} that also implements this can have its blocks trained,
 * e.g. retrofitted into a checkpoint by distillation. Both methods are functions of the weights passed in, not of
 * those a {@link Block} was created with, so a trainer updates its own copy of the weights between steps.
 *
 * <p>Both run a whole sequence from an empty state: {@code x [B, T, D]} at positions {@code 0 … T-1}, as
 * {@link Block#prefill} from a zeroed state. A provider without this capability is refused by training, naming its
 * bundle and this interface's SPI version.
 *
 * <p>Host tensors in and out: the reference and CPU backward. A device backward that keeps weights, activations and
 * gradients on the GPU, and a saved forward for it to reuse, will come as a further optional interface (an addition).
 */
// implemented by block bundles (each block's provider, the example plug-in)
@ConsumerType
public interface TrainableProvider {

    /** Backends {@link #forward} and {@link #backward} run on; a subset of the provider's {@link BlockProvider#backends()}. */
    Set<Backend> trainingBackends();

    /** {@code y [B, T, D]}: the block's output for {@code x [B, T, D]} from an empty state, with these weights. */
    FloatTensor forward(BlockConfig config, Weights weights, FloatTensor x, Backend backend, BlockServices services);

    /**
     * The gradients of {@code L = Σ dy · y}, {@code y = forward(x)}: {@link Gradients#input()} {@code [B, T, D]} and one
     * tensor per declared weight ({@link BlockProvider#weights}), each the shape of its weight, in declaration order. The
     * forward is recomputed inside: nothing passes from {@link #forward} to this call.
     */
    Gradients backward(BlockConfig config, Weights weights, FloatTensor x, FloatTensor dy, Backend backend, BlockServices services);
}
