package io.jetrt.blocks.gdn;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The activator registers the provider under BlockProvider with type and version properties, and unregisters it. */
class GatedDeltaNetActivatorTest {

    @Test
    void registersAndUnregistersProvider() {
        List<String> calls = new ArrayList<>();
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{ServiceRegistration.class}, (proxy, m, args) -> {
                    calls.add(m.getName());
                    return null;
                });
        Bundle bundle = (Bundle) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Bundle.class}, (proxy, m, args) -> {
            if (!m.getName().equals("getVersion")) throw new UnsupportedOperationException(m.getName());
            return new Version(1, 2, 3, "qualifier"); // the provider's version is the bundle's, without qualifier
        });
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{BundleContext.class}, (proxy, m, args) -> {
                    if (m.getName().equals("getBundle")) return bundle;
                    if (!m.getName().equals("registerService")) throw new UnsupportedOperationException(m.getName());
                    assertEquals(BlockProvider.class, args[0]);
                    assertInstanceOf(GatedDeltaNetProvider.class, args[1]);
                    Dictionary<?, ?> props = (Dictionary<?, ?>) args[2];
                    assertEquals("gdn", props.get(BlockProvider.PROP_TYPE));
                    assertEquals("1.2.3", props.get(BlockProvider.PROP_VERSION));
                    calls.add("registerService");
                    return registration;
                });
        GatedDeltaNetActivator activator = new GatedDeltaNetActivator();
        activator.start(context);
        activator.stop(context);
        assertEquals(List.of("registerService", "unregister"), calls);
    }
}
