package io.jetrt.runtime.model;

import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.CpuOps;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    private Backend modelBackend;
    /** The large weight matrices' type on the GPU (see {@link io.jetrt.spi.GpuOps#matrixType()}). */
    private io.jetrt.spi.DType matrixType = io.jetrt.spi.DType.BF16;
    private String gpuWhy;
    private static final java.util.concurrent.atomic.AtomicBoolean machineReasonLogged = new java.util.concurrent.atomic.AtomicBoolean();

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
        if (layer.weights() instanceof SeededWeights seeded) seeded.drawWith(b.provider());
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
        GpuBlockServices gpu = null;
        Block block;
        try {
            gpu = backend == Backend.CUDA ? new GpuBlockServices(ops, "layer " + layer.index() + " (" + b + ")", matrixType) : null;
            BlockServices services = gpu != null ? gpu : () -> ops;
            block = b.provider().create(layer.config(), layer.weights(), backend, services);
        } catch (RuntimeException | LinkageError e) {
            if (gpu != null) gpu.close();
            throw new ComposeException("layer " + layer.index() + ": provider " + b + " failed to create a block on " + backend.id() + ": " + e);
        }
        // a block on the device has its weights there: the host's float32 copies would only take heap
        if (backend == Backend.CUDA && layer.weights() instanceof HostCopies copies) copies.dropHostCopies();
        log.info("layer {} {} <- bundle {} (provider {} {}), backend {}: {}; weights from {}", layer.index(), layer.type(), b.bundleName(),
                b.provider().type(), b.provider().version(), backend.id(), reason(backend), layer.weightSource());
        return new Layer(layer.index(), layer.type(), b, backend, layer.config(), layer.weights(), layer.weightSource(), block, gpu);
    }
    private static java.util.List<WeightDecl> declarations(Layer layer, ProviderBinding b, String who) {
        try {
            return b.provider().weights(layer.config());
        } catch (RuntimeException | LinkageError e) {
            throw new ComposeException(who + ": provider " + b + " rejected the layer's config: " + e.getMessage());
        }
    }

    /**
     * Decides the backend of the whole model before any layer is bound: the forced one, else cuda when this
     * machine can run it and every layer's provider offers it (the GPU model keeps the residual stream on the
     * device, so it takes all layers or none), else the CPU path. Logs why.
     */
    void decideBackend(List<ProviderBinding> bindings) {
        Backend forced = options.backend();
        if (forced == Backend.CUDA) {
            String missing = gpuMissing();
            if (missing != null) throw new ComposeException("backend cuda was asked for, but this machine cannot run it: " + missing);
            for (int i = 0; i < bindings.size(); i++) {
                ProviderBinding b = bindings.get(i);
                if (!b.provider().backends().contains(Backend.CUDA)) {
                    throw new ComposeException("layer " + i + ": backend cuda was asked for, but provider " + b + " offers only "
                            + b.provider().backends() + noKernelsHint(b));
                }
            }
            modelBackend = Backend.CUDA;
            gpuWhy = "forced by the compose options";
            return;
        }
        if (forced != null) {
            modelBackend = forced;
            return;
        }
        String missing = gpuMissing();
        List<Integer> without = new ArrayList<>();
        for (int i = 0; i < bindings.size(); i++) if (!bindings.get(i).provider().backends().contains(Backend.CUDA)) without.add(i);
        if (missing == null && without.isEmpty()) {
            modelBackend = Backend.CUDA;
            gpuWhy = "a GPU is present and every layer's provider offers cuda";
        } else {
            modelBackend = null;
            gpuWhy = missing != null ? "no cuda on this machine"
                    : "no cuda: layer(s) " + without + " have no provider offering it" + noKernelsHint(bindings.get(without.getFirst()));
            // a machine-wide reason once per process, not on every layer's line of every model
            if (missing != null && !machineReasonLogged.getAndSet(true)) {
                log.info("backends: preferred order cuda > cpu > reference; this machine cannot run cuda: {}", missing);
            }
        }
    }

    void matrixType(io.jetrt.spi.DType t) { matrixType = t; }

    /** Why the GPU cannot be used, or null: opening it here also catches what only setting it up reveals (cuBLAS). */
    private static String gpuMissing() { return GpuContext.available() ? null : GpuContext.missing(); }

    /** The backend every layer was put on, or null when each layer takes the best CPU backend its provider offers. */
    Backend modelBackend() { return modelBackend; }

    private static String noKernelsHint(ProviderBinding b) {
        return " (a bundle built without nvcc has no kernels: rebuild " + b.bundleName() + " with nvcc on PATH or -Djetrt.nvcc=...)";
    }

    private Backend chooseBackend(int layer, ProviderBinding b) {
        if (modelBackend != null) {
            if (!b.provider().backends().contains(modelBackend)) {
                throw new ComposeException("layer " + layer + ": the model runs on " + modelBackend.id() + ", but provider " + b
                        + " offers only " + b.provider().backends());
            }
            return modelBackend;
        }
        for (Backend pref : new Backend[] {Backend.CPU, Backend.REFERENCE}) if (b.provider().backends().contains(pref)) return pref;
        throw new ComposeException("layer " + layer + ": provider " + b + " offers no CPU backend (" + b.provider().backends() + ")");
    }

    private String reason(Backend chosen) {
        if (options.backend() != null && options.backend() != Backend.CUDA) return "forced by the compose options";
        String why = gpuWhy == null ? "" : gpuWhy;
        if (chosen == Backend.REFERENCE) why += "; cpu not offered by the provider";
        return "preferred order cuda > cpu > reference (" + why + ")";
    }
}
