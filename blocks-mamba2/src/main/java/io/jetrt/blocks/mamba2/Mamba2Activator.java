package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.BundleVersion;
import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import java.util.Dictionary;
import java.util.Hashtable;

/** Registers the {@link Mamba2Provider} as a {@link BlockProvider} service while the bundle is active. */
public final class Mamba2Activator implements BundleActivator {
    private ServiceRegistration<BlockProvider> registration;

    @Override
    public void start(BundleContext context) {
        Mamba2Provider provider = new Mamba2Provider(BundleVersion.of(context.getBundle()));
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(BlockProvider.PROP_TYPE, provider.type());
        props.put(BlockProvider.PROP_VERSION, provider.version());
        registration = context.registerService(BlockProvider.class, provider, props);
    }

    @Override
    public void stop(BundleContext context) {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }
}
