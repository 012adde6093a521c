package io.jetrt.blocks.mamba2;

import io.jetrt.spi.BlockProvider;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The activator registers one BlockProvider with the type and version properties, and unregisters it. */
class Mamba2ActivatorTest {

    @Test
    void registersAndUnregisters() throws Exception {
        List<Object[]> registered = new ArrayList<>();
        int[] unregistered = {0};
        ServiceRegistration<?> reg = (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                    if (m.getName().equals("unregister")) unregistered[0]++;
                    return null;
                });
        Bundle bundle = (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Bundle.class}, (p, m, a) -> {
            if (!m.getName().equals("getVersion")) throw new UnsupportedOperationException(m.getName());
            return new Version(1, 2, 3, "qualifier"); // the provider's version is the bundle's, without qualifier
        });
        BundleContext ctx = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    if (m.getName().equals("getBundle")) return bundle;
                    if (m.getName().equals("registerService")) {
                        registered.add(a);
                        return reg;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Mamba2Activator act = new Mamba2Activator();
        act.start(ctx);
        assertEquals(1, registered.size());
        Object[] a = registered.get(0);
        assertEquals(BlockProvider.class, a[0]);
        assertInstanceOf(Mamba2Provider.class, a[1]);
        Dictionary<?, ?> props = (Dictionary<?, ?>) a[2];
        assertEquals("mamba2", props.get(BlockProvider.PROP_TYPE));
        assertEquals("1.2.3", props.get(BlockProvider.PROP_VERSION));
        act.stop(ctx);
        assertEquals(1, unregistered[0]);
    }
}
