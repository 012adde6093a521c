package io.jetrt.runtime.model;

import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.FloatTensor;

import java.util.Map;

/**
 * A swapped-in block's weights: its provider's upstream initialisation drawn from a seed, drawn when first asked
 * and again after {@link #dropHostCopies} (the draw is deterministic, so the weights are the same).
 */
final class SeededWeights implements HostCopies {
    private final String who;
    private final BlockProvider provider;
    private final BlockConfig config;
    private final long seed;
    private Map<String, FloatTensor> drawn;

    SeededWeights(String who, BlockProvider provider, BlockConfig config, long seed) {
        this.who = who;
        this.provider = provider;
        this.config = config;
        this.seed = seed;
    }

    private synchronized Map<String, FloatTensor> drawn() {
        if (drawn == null) drawn = Map.copyOf(provider.initWeights(config, seed));
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
