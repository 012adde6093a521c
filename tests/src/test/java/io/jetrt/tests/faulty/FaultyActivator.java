package io.jetrt.tests.faulty;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;

import java.util.Hashtable;

/**
 * A plug-in that misbehaves as its manifest header {@code Faulty-Mode} says: {@code throw-in-activation},
 * or (through its block) {@code throw-in-compute}, {@code nan}, {@code partial-write}, {@code extra-weight}.
 * It offers type {@code attn} at its bundle version, so a higher version takes attention layers over.
 */
public final class FaultyActivator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        String mode = context.getBundle().getHeaders().get("Faulty-Mode");
        if ("throw-in-activation".equals(mode)) throw new IllegalStateException("faulty plug-in: activation fails on purpose");
        Version v = context.getBundle().getVersion();
        FaultyProvider p = new FaultyProvider(mode, v.getMajor() + "." + v.getMinor() + "." + v.getMicro());
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(BlockProvider.PROP_TYPE, p.type());
        props.put(BlockProvider.PROP_VERSION, p.version());
        context.registerService(BlockProvider.class, p, props);
    }

    @Override
    public void stop(BundleContext context) {}
}
