package io.jetrt.runtime.model;

import io.jetrt.runtime.host.ProviderBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A model's layers as bound now, kept live: when block providers come and go, {@link #rebind} moves layers to the
 * preferred provider of their type, keeping their weights; {@link #enterStep} waits up to
 * {@link #UNAVAILABLE_WAIT_MS} for a missing provider before a step, inside the {@link StepGate}, and hands the
 * step one consistent set of bindings.
 */
final class LiveLayers {
    private static final Logger log = LoggerFactory.getLogger(LiveLayers.class);
    /** How long a step waits for a missing block type to be installed again before failing. */
    static final long UNAVAILABLE_WAIT_MS = Long.getLong("jetrt.unavailableWaitMs", 30_000);

    private final String model;
    private final AtomicReferenceArray<Layer> layers;
    private final LayerBinder binder;
    private final StepGate gate;
    private final Object availability = new Object();

    /** {@code model} names the model in messages. */
    LiveLayers(String model, List<Layer> layers, LayerBinder binder, StepGate gate) {
        this.model = model;
        this.layers = new AtomicReferenceArray<>(layers.toArray(new Layer[0]));
        this.binder = binder;
        this.gate = gate;
    }

    List<Layer> now() {
        List<Layer> out = new ArrayList<>(layers.length());
        for (int i = 0; i < layers.length(); i++) out.add(layers.get(i));
        return out;
    }

    /**
     * Moves every layer to the preferred provider of its type now registered, leaving out the service
     * {@code goneServiceId} (being unregistered, or -1). A provider that cannot take a layer is logged with
     * its bundle and the layer keeps its binding — or becomes unavailable if its own provider is going away.
     */
    synchronized void rebind(long goneServiceId) {
        for (int i = 0; i < layers.length(); i++) {
            Layer cur = layers.get(i);
            boolean losing = cur.available() && cur.binding().serviceId() == goneServiceId;
            Optional<ProviderBinding> best = binder.preferred(i, cur.type(), goneServiceId);
            if (best.isPresent() && cur.available() && best.get().serviceId() == cur.binding().serviceId()) continue;
            if (best.isPresent()) {
                try {
                    Layer next = binder.bind(cur.unbound(), best.get());
                    layers.set(i, next);
                    cur.release();
                    log.info("layer {} re-bound: {} -> {}", i, cur.available() ? cur.binding() : "unavailable", best.get());
                    continue;
                } catch (ComposeException e) {
                    log.error("layer {}: cannot move to {}: {}", i, best.get(), e.getMessage());
                }
            }
            if (losing || (best.isEmpty() && cur.available() && goneServiceId < 0)) {
                layers.set(i, cur.unbound());
                cur.release();
                log.warn("{} is unavailable: {}", cur.describe(), binder.missing(i, cur.type()));
            }
        }
        synchronized (availability) {
            availability.notifyAll();
        }
    }

    /** Enters the step gate with every layer bound, waiting for missing providers; returns the bindings. */
    List<Layer> enterStep() {
        long deadline = System.currentTimeMillis() + UNAVAILABLE_WAIT_MS;
        while (true) {
            gate.enterStep();
            List<Layer> snapshot = now();
            List<Layer> missing = snapshot.stream().filter(l -> !l.available()).toList();
            if (missing.isEmpty()) return snapshot;
            gate.exitStep();
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new LayerUnavailableException("model " + model + ": " + missing.size() + " layer(s) unavailable: "
                        + String.join("; ", missing.stream().map(l -> binder.missing(l.index(), l.type())).distinct().toList()));
            }
            synchronized (availability) {
                try {
                    availability.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LayerUnavailableException("interrupted while waiting for layers " + missing.stream().map(Layer::index).toList());
                }
            }
        }
    }

    void exitStep() { gate.exitStep(); }

    /** Frees what every binding holds (the model is closing). */
    void releaseAll() {
        for (int i = 0; i < layers.length(); i++) layers.get(i).release();
    }
}
