package io.jetrt.loader.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationConfigTest {

    @Test
    void withoutAFileDecodingIsGreedy(@TempDir Path dir) {
        assertEquals(GenerationConfig.GREEDY, GenerationConfig.load(dir));
    }

    @Test
    void readsSamplingAndEveryEosId(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"do_sample\": true, \"temperature\": 0.7, \"top_k\": 20, \"top_p\": 0.8, \"eos_token_id\": [151645, 151643]}");
        assertEquals(new GenerationConfig(true, 0.7, 20, 0.8, Set.of(151645, 151643)), GenerationConfig.load(dir));
    }

    @Test
    void theReleasedQwenFileIsGreedyWithOneEos() {
        Path qwen = Path.of(System.getProperty("jetrt.fixtures"), "tokenizer", "qwen2.5");
        GenerationConfig g = GenerationConfig.load(qwen);
        assertEquals(false, g.doSample());
        assertEquals(Set.of(151643), g.eosTokenIds());
    }

    @Test
    void badValuesNameTheFileAndField(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("generation_config.json"), "{\"temperature\": \"hot\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> GenerationConfig.load(dir));
        assertTrue(e.getMessage().contains("generation_config.json: temperature must be a number; got hot"), e.getMessage());
    }

    @Test
    void samplingValuesOutOfRangeAreRefused(@TempDir Path dir) throws Exception {
        for (String bad : new String[] {"{\"top_k\": 50.7}", "{\"top_p\": 1.5}", "{\"temperature\": 0}", "{\"do_sample\": \"true\"}"}) {
            Files.writeString(dir.resolve("generation_config.json"), bad);
            ConfigException e = assertThrows(ConfigException.class, () -> GenerationConfig.load(dir), bad);
            assertTrue(e.getMessage().contains("generation_config.json: "), e.getMessage());
        }
    }
}
