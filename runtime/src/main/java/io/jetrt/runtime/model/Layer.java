package io.jetrt.runtime.model;

import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.Weights;

import java.util.List;

/**
 * One decoder layer's block as bound now: the provider (and its bundle), the backend chosen, the config it
 * was built from, the weights it reads (owned by the runtime, kept across re-binding) and where they came
 * from. {@code binding}, {@code backend} and {@code block} are null while no provider of the type is installed.
 * {@code resources} is what the binding holds beyond the block (its GPU memory), freed by {@link #release}.
 */
public record Layer(int index, String type, ProviderBinding binding, Backend backend, BlockConfig config,
                    Weights weights, String weightSource, Block block, AutoCloseable resources) {

    public boolean available() { return block != null; }

    /** The same layer with no provider: its weights stay loaded for when one returns. */
    public Layer unbound() { return new Layer(index, type, null, null, config, weights, weightSource, null, null); }

    /** Frees what the binding holds (no step may run it afterwards); logs instead of throwing. */
    void release() {
        if (resources == null) return;
        try {
            resources.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Layer.class).warn("{}: releasing its resources failed: {}", describe(), e.toString());
        }
    }

    /** The per-sequence state this binding needs at {@code capacity} tokens. */
    public List<StateSlot> stateLayout(int capacity) { return binding.provider().stateLayout(config, capacity); }

    /** "layer 3 (jet 1.0.0 from bundle io.jetrt.blocks.jetblock 0.1.0)", for messages. */
    public String describe() {
        return "layer " + index + " (" + (binding == null ? type + ", no provider" : type + " " + binding.provider().version()
                + " from bundle " + binding.bundleName()) + ")";
    }
}
