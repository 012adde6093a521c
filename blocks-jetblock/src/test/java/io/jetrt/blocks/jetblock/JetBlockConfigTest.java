package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.blocks.testkit.GatedDeltaConfigs;
import io.jetrt.blocks.common.MapWeights;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Config parsing and validation at the provider's boundary: messages {@code <where>: <field> must be ...; got ...}. */
class JetBlockConfigTest {

    private static Map<String, Object> released() {
        Map<String, Object> m = GatedDeltaConfigs.dims(128, 4, 32, 2.0, 4);
        m.put("dconv_generator_reduction", 8);
        m.put("norm_eps", "1e-5"); // a string in the released configs
        return m;
    }

    private static String error(Map<String, Object> params) {
        return assertThrows(IllegalArgumentException.class, () -> JetBlockConfig.from(new BlockConfig("layer 3", params))).getMessage();
    }

    @Test
    void parsesReleasedConfig() {
        JetBlockConfig c = JetBlockConfig.from(new BlockConfig("layer 3", released()));
        assertEquals(64, c.dv());
        assertEquals(128, c.keyDim());
        assertEquals(256, c.valueDim());
        assertEquals(32, c.generatorHidden());
        assertEquals(1e-5f, c.normEps());
        assertEquals(0.02, c.initializerRange());
    }

    @Test
    void rejectsBadValuesNamingLayerAndField() {
        Map<String, Object> m = released();
        m.put("num_heads", 0);
        assertEquals("layer 3: num_heads must be > 0; got 0", error(m));
        m = released();
        m.remove("head_dim");
        assertEquals("layer 3: head_dim must be set; it is missing", error(m));
        m = released();
        m.put("norm_eps", "tiny");
        assertEquals("layer 3: norm_eps must be a number; got tiny", error(m));
        m = released();
        m.put("head_dim", 33);
        m.put("expand_v", 1.5); // Dv = int(49.5) = 49, but value_dim = int(132·1.5) = 198 ≠ 4·49
        assertEquals("layer 3: expand_v must be such that int(key_dim·expand_v) = num_heads·int(head_dim·expand_v); got 1.5", error(m));
        m = released();
        m.put("dconv_generator_reduction", 512);
        assertEquals("layer 3: dconv_generator_reduction must be at most value_dim = 256; got 512", error(m));
    }

    @Test
    void createRefusesCudaWithoutGpuServicesAndMissingWeights() {
        JetBlockProvider p = new JetBlockProvider();
        BlockConfig c = new BlockConfig("layer 3", released());
        MapWeights w = new MapWeights("init", p.initWeights(c, 1));
        // cuda is a backend now; created without GPU services it says so
        assertThrows(UnsupportedOperationException.class, () -> p.create(c, w, Backend.CUDA, PlainCpuOps::new));
        Map<String, io.jetrt.spi.FloatTensor> partial = new LinkedHashMap<>(w.tensors());
        partial.remove("A_log");
        assertEquals("layer 3: weight A_log must be present; it is missing",
                assertThrows(IllegalArgumentException.class,
                        () -> p.create(c, new MapWeights("init", partial), Backend.CPU, PlainCpuOps::new)).getMessage());
    }
}
