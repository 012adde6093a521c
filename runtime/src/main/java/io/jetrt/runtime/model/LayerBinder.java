package io.jetrt.runtime.model;

import io.jetrt.runtime.cuda.CudaDriver;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Optional;

/**
 * Binds a layer to a provider: the preferred provider of its type (honouring version pins), the backend
 * (forced, or the first of cuda > cpu > reference offered), and a block created over the layer's weights.
 * Used when a model is composed and whenever providers come and go.
 */
final class LayerBinder {
    private static final Logger log = LoggerFactory.getLogger(LayerBinder.class);

    private final BlockRegistry registry;
    private final CpuOps ops;
    private final ComposeOptions options;

    LayerBinder(BlockRegistry registry, CpuOps ops, ComposeOptions options) {
        this.registry = registry;
        this.ops = ops;
        this.options = options;
    }

    Optional<ProviderBinding> preferred(int layer, String type, long excludedServiceId) {
        return registry.find(type, options.pins().valueFor(layer, type), excludedServiceId);
    }

    String missing(int layer, String type) {
        String pin = options.pins().valueFor(layer, type);
        return "layer " + layer + ": block type '" + type + "'" + (pin == null ? "" : " at version " + pin)
                + " is not offered by any installed bundle; installed types: " + String.join(", ", registry.types());
    }

    /** {@code layer} bound to {@code b}; throws {@link ComposeException} naming layer and bundle when it cannot be. */
    Layer bind(Layer layer, ProviderBinding b) {
        String who = "layer " + layer.index() + " (" + layer.type() + ")";
        for (WeightDecl d : declarations(layer, b, who)) {
            if (!layer.weights().has(d.name())) {
                throw new ComposeException(who + ": provider " + b + " declares weight " + d.name()
                        + Arrays.toString(d.shape()) + " that the layer's weights (" + layer.weightSource() + ") lack");
            }
            FloatTensor t = layer.weights().get(d.name());
            if (!t.sameShape(d.shape())) {
                throw new ComposeException(who + ": provider " + b + " declares weight " + d.name() + " as "
                        + Arrays.toString(d.shape()) + "; the layer's weight is " + Arrays.toString(t.shape()));
            }
        }
        Backend backend = chooseBackend(layer.index(), b);
        BlockServices services = () -> ops;
        Block block;
        try {
            block = b.provider().create(layer.config(), layer.weights(), backend, services);
        } catch (RuntimeException | LinkageError e) {
            throw new ComposeException("layer " + layer.index() + ": provider " + b + " failed to create a block: " + e);
        }
        log.info("layer {} {} <- bundle {} (provider {} {}), backend {}: {}; weights from {}", layer.index(), layer.type(), b.bundleName(),
                b.provider().type(), b.provider().version(), backend.id(), reason(backend), layer.weightSource());
        return new Layer(layer.index(), layer.type(), b, backend, layer.config(), layer.weights(), layer.weightSource(), block);
    }

    private static java.util.List<WeightDecl> declarations(Layer layer, ProviderBinding b, String who) {
        try {
            return b.provider().weights(layer.config());
        } catch (RuntimeException | LinkageError e) {
            throw new ComposeException(who + ": provider " + b + " rejected the layer's config: " + e.getMessage());
        }
    }

    private Backend chooseBackend(int layer, ProviderBinding b) {
        Backend forced = options.backend();
        if (forced == Backend.CUDA && !CudaDriver.status().available()) {
            throw new ComposeException("layer " + layer + ": backend cuda was asked for, but this machine cannot run it: "
                    + CudaDriver.status().reason());
        }
        if (forced != null) {
            if (!b.provider().backends().contains(forced)) {
                throw new ComposeException("layer " + layer + ": backend " + forced.id() + " was asked for, but provider " + b
                        + " offers only " + b.provider().backends());
            }
            return forced;
        }
        for (Backend pref : new Backend[] {Backend.CPU, Backend.REFERENCE}) if (b.provider().backends().contains(pref)) return pref;
        throw new ComposeException("layer " + layer + ": provider " + b + " offers no CPU backend (" + b.provider().backends() + ")");
    }

    private String reason(Backend chosen) {
        if (options.backend() != null) return "forced by the compose options";
        // blocks run on the GPU once their bundles offer CUDA; the device layer already reports the machine
        String why = CudaDriver.status().available() ? "the provider offers no cuda backend" : "no CUDA on this machine";
        if (chosen == Backend.REFERENCE) why += "; cpu not offered by the provider";
        return "preferred order cuda > cpu > reference (" + why + ")";
    }
}
