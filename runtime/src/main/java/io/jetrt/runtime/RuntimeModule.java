package io.jetrt.runtime;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.jetrt.runtime.cpu.CpuOpsFactory;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.host.FelixHost;
import io.jetrt.runtime.model.LiveModels;
import io.jetrt.runtime.model.StepGate;
import io.jetrt.spi.CpuOps;

/** Guice wiring of the runtime's own services; bundles are reached through the OSGi registry, not Guice. */
final class RuntimeModule extends AbstractModule {
    private final RuntimeSettings settings;

    RuntimeModule(RuntimeSettings settings) { this.settings = settings; }

    @Provides
    RuntimeSettings settings() { return settings; }

    @Provides @Singleton
    FelixHost host() { return new FelixHost(); }

    @Provides @Singleton
    BundleManager bundles(FelixHost host, StepGate gate) { return new BundleManager(host, gate); }

    @Provides @Singleton
    BlockRegistry registry(FelixHost host) { return new BlockRegistry(host.context()); }

    @Provides @Singleton
    CpuOps cpuOps() { return CpuOpsFactory.create(settings.blas()); }

    @Provides @Singleton
    StepGate gate() { return new StepGate(); }

    @Provides @Singleton
    LiveModels liveModels(FelixHost host) { return new LiveModels(host.context()); }
}
