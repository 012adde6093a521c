package io.jetrt.blocks.gdn;

import io.jetrt.blocks.testkit.GatedDeltaConfigs;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Config parsing and validation at the provider's boundary: messages {@code <where>: <field> must be ...; got ...}. */
class GatedDeltaNetConfigTest {

    private static Map<String, Object> fixtureLike() {
        Map<String, Object> m = GatedDeltaConfigs.dims(128, 4, 32, 2.0, 4);
        m.put("norm_eps", 1e-5);
        m.put("use_gate", true);
        m.put("use_short_conv", true);
        m.put("conv_bias", false);
        m.put("allow_neg_eigval", false);
        m.put("num_v_heads", null);
        return m;
    }

    private static String error(Map<String, Object> params) {
        return assertThrows(IllegalArgumentException.class, () -> GatedDeltaNetConfig.from(new BlockConfig("layer 5", params))).getMessage();
    }

    @Test
    void parsesFixtureConfigAndDefaults() {
        GatedDeltaNetConfig c = GatedDeltaNetConfig.from(new BlockConfig("layer 5", fixtureLike()));
        assertEquals(64, c.dv());
        assertEquals(128, c.keyDim());
        assertEquals(256, c.valueDim());
        assertEquals(1f, c.betaScale());
        Map<String, Object> minimal = new LinkedHashMap<>(Map.of("hidden_size", 64, "num_heads", 2, "head_dim", 16, "expand_v", 2));
        GatedDeltaNetConfig d = GatedDeltaNetConfig.from(new BlockConfig("layer 5", minimal));
        assertEquals(4, d.convSize());
        assertEquals(1e-5f, d.normEps());
        assertEquals(false, d.convBias());
        Map<String, Object> m = fixtureLike();
        m.put("allow_neg_eigval", true);
        m.put("num_v_heads", 4);
        m.put("norm_eps", "1e-6");
        GatedDeltaNetConfig e = GatedDeltaNetConfig.from(new BlockConfig("layer 5", m));
        assertEquals(2f, e.betaScale());
        assertEquals(1e-6f, e.normEps());
    }

    @Test
    void rejectsUnsupportedOptions() {
        Map<String, Object> m = fixtureLike();
        m.put("use_gate", false);
        assertEquals("layer 5: use_gate must be true (only use_gate=true is supported); got false", error(m));
        m = fixtureLike();
        m.put("use_short_conv", false);
        assertEquals("layer 5: use_short_conv must be true (only use_short_conv=true is supported); got false", error(m));
        m = fixtureLike();
        m.put("num_v_heads", 8);
        assertEquals("layer 5: num_v_heads must be null or num_heads = 4 (grouped value heads are not supported); got 8", error(m));
        m = fixtureLike();
        m.put("head_dim", -1);
        assertEquals("layer 5: head_dim must be > 0; got -1", error(m));
        m = fixtureLike();
        m.put("conv_bias", "no");
        assertEquals("layer 5: conv_bias must be true or false; got no", error(m));
    }
}
