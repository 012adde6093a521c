package io.jetrt.loader.config;

import io.jetrt.loader.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    static final String BASE = "\"hidden_size\": 128, \"intermediate_size\": 256, \"num_hidden_layers\": 2, \"vocab_size\": 512";

    @Test
    void tinyJetConfigParsesAsTheFixturesReadmeDescribes() {
        ModelConfig c = ModelConfig.load(Path.of(System.getProperty("jetrt.fixtures"), "model/tiny-jet/config.json"));
        assertEquals(List.of("jet", "swa", "jet", "attn", "jet", "swa"), c.layerTypes());
        assertEquals(32, c.headDim());
        assertEquals(2, c.numKvHeads());
        assertEquals("1e-5", c.blockSection("jet").get("norm_eps"));
        assertEquals(8L, c.blockSection("swa").get("window_size"));
    }

    @Test
    void badValuesNameTheField() {
        assertMessage("{" + BASE + ", \"num_attention_heads\": 3}", "hidden_size must be divisible by num_attention_heads (3) when head_dim is absent; got 128");
        assertMessage("{" + BASE + ", \"num_attention_heads\": 4, \"rope_theta\": 0}", "rope_theta must be a finite number > 0; got 0.0");
        assertMessage("{" + BASE + ", \"num_attention_heads\": 4, \"layer_types\": [\"jet\"]}", "layer_types must have num_hidden_layers (2) entries; got 1");
        ModelConfig nullKv = ModelConfig.parse("c.json", Json.parseObject("{" + BASE + ", \"num_attention_heads\": 4, \"num_key_value_heads\": null}"));
        assertEquals(4, nullKv.numKvHeads());
    }

    private static void assertMessage(String json, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.parse("c.json", Json.parseObject(json)));
        assertTrue(e.getMessage().equals("c.json: " + expected), e.getMessage());
    }
}
