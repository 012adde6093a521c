package org.example.jetrt.retention;

import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Declared shapes, config errors, and what the activator registers. */
class RetentionProviderTest {

    @Test
    void declaresShapesFromTheConfig() {
        RetentionProvider p = new RetentionProvider();
        BlockConfig c = RetentionParallelFormTest.config();
        assertEquals(List.of(WeightDecl.of("q_proj.weight", 18, 20), WeightDecl.of("k_proj.weight", 18, 20),
                WeightDecl.of("v_proj.weight", 27, 20), WeightDecl.of("g_proj.weight", 27, 20),
                WeightDecl.of("o_proj.weight", 20, 27)), p.weights(c));
        assertEquals(List.of(StateSlot.f32("recurrent_state", 3, 6, 9)), p.stateLayout(c, 4096));
    }

    @Test
    void takesAJetBlockSectionWhenSwappedIn() {
        Map<String, Object> jet = new LinkedHashMap<>(Map.of("hidden_size", 64, "num_heads", 4, "head_dim", 16,
                "expand_v", 2.0, "conv_size", 4, "dconv_generator_reduction", 8, "norm_eps", "1e-5", "initializer_range", 0.02));
        RetentionConfig r = RetentionConfig.from(new BlockConfig("layer 0 (retention)", jet));
        assertEquals(new RetentionConfig(64, 4, 16, 32, 0.02), r);
    }

    @Test
    void badConfigIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RetentionConfig.from(
                new BlockConfig("layer 3 (retention)", Map.of("hidden_size", 8, "num_heads", 0, "head_dim", 4))));
        assertEquals("layer 3 (retention): num_heads must be > 0; got 0", e.getMessage());
    }

    @Test
    void activatorRegistersTheProviderWithTypeAndVersion() {
        List<Object[]> calls = new ArrayList<>();
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("registerService")) {
                        calls.add(args);
                        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> null);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        new RetentionActivator().start(context);
        assertEquals(1, calls.size());
        assertEquals(BlockProvider.class, calls.get(0)[0]);
        assertInstanceOf(RetentionProvider.class, calls.get(0)[1]);
        Dictionary<?, ?> props = (Dictionary<?, ?>) calls.get(0)[2];
        assertEquals("retention", props.get(BlockProvider.PROP_TYPE));
        assertEquals("1.0.0", props.get(BlockProvider.PROP_VERSION));
        assertTrue(props.size() == 2, () -> "only type and version: " + props);
    }
}
