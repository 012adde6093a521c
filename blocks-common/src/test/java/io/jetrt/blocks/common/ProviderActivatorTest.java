package io.jetrt.blocks.common;

import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every provider is registered under BlockProvider with type and the bundle's version, and unregistered on stop. */
class ProviderActivatorTest {

    record Named(String type, String version) implements BlockProvider {
        @Override public Set<Backend> backends() { return Set.of(Backend.CPU); }
        @Override public List<WeightDecl> weights(BlockConfig c) { return List.of(); }
        @Override public List<StateSlot> stateLayout(BlockConfig c, int capacity) { return List.of(); }
        @Override public Map<String, FloatTensor> initWeights(BlockConfig c, long seed) { return Map.of(); }
        @Override public Block create(BlockConfig c, Weights w, Backend b, BlockServices s) { throw new UnsupportedOperationException(); }
    }

    @Test
    void registersEachProviderWithTypeAndBundleVersionThenUnregisters() {
        List<String> calls = new ArrayList<>();
        List<BlockProvider> made = new ArrayList<>();
        ProviderActivator activator = new ProviderActivator() {
            @Override protected List<BlockProvider> providers(String version) {
                made.add(new Named("a", version));
                made.add(new Named("b", version));
                return made;
            }
        };
        Bundle bundle = proxy(Bundle.class, (m, a) -> new Version(1, 2, 3, "qualifier"));
        BundleContext context = proxy(BundleContext.class, (m, a) -> switch (m) {
            case "getBundle" -> bundle;
            case "registerService" -> {
                assertEquals(BlockProvider.class, a[0]);
                Dictionary<?, ?> props = (Dictionary<?, ?>) a[2];
                BlockProvider p = (BlockProvider) a[1];
                assertEquals(p.type(), props.get(BlockProvider.PROP_TYPE));
                assertEquals("1.2.3", props.get(BlockProvider.PROP_VERSION), "the bundle's version without qualifier");
                calls.add("register " + p.type());
                yield proxy(ServiceRegistration.class, (n, b) -> calls.add("unregister " + p.type()));
            }
            default -> throw new UnsupportedOperationException(m);
        });
        activator.start(context);
        assertEquals(List.of("1.2.3", "1.2.3"), made.stream().map(BlockProvider::version).toList());
        activator.stop(context);
        assertEquals(List.of("register a", "register b", "unregister a", "unregister b"), calls);
    }

    interface Handler {
        Object call(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    static <T> T proxy(Class<T> type, Handler h) {
        return (T) Proxy.newProxyInstance(ProviderActivatorTest.class.getClassLoader(), new Class<?>[] {type},
                (p, m, a) -> h.call(m.getName(), a));
    }
}
