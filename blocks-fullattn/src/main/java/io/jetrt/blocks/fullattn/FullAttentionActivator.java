package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.BundleVersion;
import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import java.util.Hashtable;

/**
 * Registers the full-attention and sliding-window providers, versioned as the bundle is; the framework
 * unregisters them on stop.
 */
public final class FullAttentionActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String version = BundleVersion.of(context.getBundle());
        for (BlockProvider p : new BlockProvider[] {new AttentionProvider(false, version), new AttentionProvider(true, version)}) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(BlockProvider.PROP_TYPE, p.type());
            props.put(BlockProvider.PROP_VERSION, p.version());
            context.registerService(BlockProvider.class, p, props);
        }
    }

    @Override
    public void stop(BundleContext context) {}
}
