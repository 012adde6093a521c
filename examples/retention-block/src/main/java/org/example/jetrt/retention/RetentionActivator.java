package org.example.jetrt.retention;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import java.util.Hashtable;

/** Registers the retention provider under its type and version; the framework unregisters it on stop. */
public final class RetentionActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        BlockProvider p = new RetentionProvider();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockProvider.PROP_TYPE, p.type());
        props.put(BlockProvider.PROP_VERSION, p.version());
        context.registerService(BlockProvider.class, p, props);
    }

    @Override
    public void stop(BundleContext context) {}
}
