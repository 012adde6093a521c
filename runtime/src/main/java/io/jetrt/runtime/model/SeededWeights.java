package io.jetrt.runtime.model;

import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.FloatTensor;

import java.util.Map;

/**
 * A swapped-in block's weights: the upstream initialisation of the provider the layer is bound to, drawn from a seed
 * when first asked and kept — until {@link #dropHostCopies} (a block on the device has uploaded them), after which the
 * next binding draws them again (deterministic: the same provider version gives the same weights). The provider is
 * held only until it has drawn, so a layer never keeps a removed bundle's code reachable through its weights.
 */
final class SeededWeights implements HostCopies {
    private final String who;
    private final BlockConfig config;
    private final long seed;
    private BlockProvider drawer;
    private Map<String, FloatTensor> drawn;

    SeededWeights(String who, BlockProvider provider, BlockConfig config, long seed) {
        this.who = who;
        this.drawer = provider;
        this.config = config;
        this.seed = seed;
    }

    /** The provider a binding is about to create a block with: it draws the weights if they are not held. */
    synchronized void drawWith(BlockProvider provider) {
        if (drawn == null) drawer = provider;
    }

    private synchronized Map<String, FloatTensor> drawn() {
        if (drawn == null) {
            if (drawer == null) throw new IllegalStateException(who + ": weights dropped and no provider bound to draw them again");
            drawn = Map.copyOf(drawer.initWeights(config, seed));
            drawer = null;
        }
        return drawn;
    }

    @Override
    public FloatTensor get(String name) {
        FloatTensor t = drawn().get(name);
        if (t == null) throw new IllegalArgumentException(who + ": weight '" + name + "' is missing");
        return t;
    }

    @Override
    public boolean has(String name) { return drawn().containsKey(name); }

    @Override
    public synchronized void dropHostCopies() { drawn = null; }

    @Override
    public synchronized long heldBytes() {
        return drawn == null ? 0 : drawn.values().stream().mapToLong(t -> (long) Float.BYTES * t.size()).sum();
    }
}
