package io.jetrt.blocks.common;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

/**
 * A bundle activator that registers a block bundle's providers as {@link BlockProvider} services, with the
 * type and version properties, while the bundle is active. The version handed to {@link #providers} is
 * the bundle's ({@link BundleVersion}).
 */
public abstract class ProviderActivator implements BundleActivator {
    private final List<ServiceRegistration<BlockProvider>> registrations = new ArrayList<>();

    /** The providers this bundle offers, at implementation version {@code version}. */
    protected abstract List<BlockProvider> providers(String version);

    @Override
    public final void start(BundleContext context) {
        for (BlockProvider p : providers(BundleVersion.of(context.getBundle()))) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(BlockProvider.PROP_TYPE, p.type());
            props.put(BlockProvider.PROP_VERSION, p.version());
            registrations.add(context.registerService(BlockProvider.class, p, props));
        }
    }

    @Override
    public final void stop(BundleContext context) {
        for (ServiceRegistration<BlockProvider> r : registrations) r.unregister();
        registrations.clear();
    }
}
