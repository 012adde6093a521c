package io.jetrt.runtime;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.cuda.CudaDriver;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.host.FelixHost;
import io.jetrt.runtime.host.PluginDirectory;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Composer;
import io.jetrt.runtime.model.LiveModels;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.verify.BlockVerifier;
import io.jetrt.runtime.verify.GradientVerifier;
import io.jetrt.runtime.verify.ModelVerifier;
import io.jetrt.spi.CpuOps;

import java.nio.file.Path;

/**
 * One running jetrt: the embedded framework with its bundles installed, the CPU ops and the composer.
 * The entry point for the CLI and for embedding jetrt in another program.
 */
public final class JetRuntime implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JetRuntime.class);
    private final Injector injector;
    private final PluginDirectory plugins;

    private JetRuntime(RuntimeSettings settings) {
        this.injector = Guice.createInjector(new RuntimeModule(settings));
        injector.getInstance(LiveModels.class); // listens before any bundle registers a provider
        try {
            bundles().installAll(settings.bundles());
        } catch (RuntimeException e) { // e.g. no bundles directory: do not leave a framework running
            injector.getInstance(LiveModels.class).close();
            host().close();
            throw e;
        }
        CudaDriver.Status cuda = CudaDriver.status();
        log.info("CUDA: {}", cuda.available() ? cuda.devices() + " device(s), driver " + cuda.driverVersion() : cuda.reason());
        this.plugins = new PluginDirectory(settings.bundles(), bundles(), true);
        if (settings.watchMillis() > 0) plugins.start(settings.watchMillis());
    }

    public static JetRuntime start(RuntimeSettings settings) { return new JetRuntime(settings); }

    public FelixHost host() { return injector.getInstance(FelixHost.class); }

    /** Install, update and uninstall bundles explicitly (batched, with a wiring refresh). */
    public BundleManager bundles() { return injector.getInstance(BundleManager.class); }

    /** The watched bundles directory; {@link PluginDirectory#scan()} applies its changes now. */
    public PluginDirectory plugins() { return plugins; }

    public BlockRegistry registry() { return injector.getInstance(BlockRegistry.class); }

    public CpuOps cpu() { return injector.getInstance(CpuOps.class); }

    public Composer composer() { return injector.getInstance(Composer.class); }

    public BlockVerifier blockVerifier() { return new BlockVerifier(registry(), cpu()); }

    public GradientVerifier gradientVerifier() { return new GradientVerifier(registry(), cpu()); }

    public ModelVerifier modelVerifier() { return new ModelVerifier(composer()); }

    /** Composes the model in a Hugging Face directory; its checkpoint stays mapped until {@link Model#close()}. */
    public Model load(Path dir, ComposeOptions options) {
        ModelConfig cfg = ModelConfig.load(dir.resolve("config.json"));
        Checkpoint ckpt = Checkpoint.open(dir);
        try {
            return composer().compose(cfg, ckpt, options);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    @Override
    public void close() {
        plugins.close();
        injector.getInstance(LiveModels.class).close();
        host().close();
    }
}
