package io.jetrt.runtime.model;

import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.spi.FloatTensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One block's weights read from the checkpoint under a prefix (e.g. {@code model.layers.3.self_attn.}),
 * converted to float32 once and kept: weights belong to the runtime, so a re-bound block finds them loaded. Once a
 * block on the device has uploaded them ({@link #dropHostCopies}) nothing is kept: each is read from the file when asked.
 */
final class CheckpointWeights implements HostCopies {
    private final Checkpoint checkpoint;
    private final String prefix;
    private final Consumer<FloatTensor> onLoad;
    private final Map<String, FloatTensor> loaded = new ConcurrentHashMap<>();
    private boolean keep = true;

    CheckpointWeights(Checkpoint checkpoint, String prefix, Consumer<FloatTensor> onLoad) {
        this.checkpoint = checkpoint;
        this.prefix = prefix;
        this.onLoad = onLoad;
    }

    @Override
    public FloatTensor get(String name) {
        FloatTensor held = loaded.get(name);
        if (held != null) return held;
        FloatTensor t = checkpoint.readFloats(prefix + name);
        synchronized (this) { // decided under the lock dropHostCopies takes, so a drop is never undone by a read in flight
            if (!keep) return t;
            FloatTensor first = loaded.putIfAbsent(name, t);
            if (first != null) return first;
        }
        onLoad.accept(t);
        return t;
    }

    @Override
    public boolean has(String name) { return checkpoint.has(prefix + name); }

    @Override
    public long heldBytes() { return loaded.values().stream().mapToLong(t -> (long) Float.BYTES * t.size()).sum(); }

    @Override
    public synchronized void dropHostCopies() {
        keep = false;
        loaded.clear();
    }
}
