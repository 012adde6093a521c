package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the shared golden fixtures (written by Python safetensors), checking values taken from them. */
class SafeTensorsFixtureTest {

    @Test
    void readsAttentionBlockFixture() {
        Path file = TestFiles.fixtures().resolve("blocks/attention.safetensors");
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            assertEquals(List.of("io.final.key_cache", "io.final.value_cache", "io.final_next.key_cache", "io.final_next.value_cache",
                    "io.x", "io.x_next", "io.y", "io.y_next", "k_proj.bias", "k_proj.weight", "o_proj.weight",
                    "q_proj.bias", "q_proj.weight", "v_proj.bias", "v_proj.weight"), st.names());
            assertEquals("attention", st.metadata().get("block"));
            assertEquals("37", st.metadata().get("seq_len"));
            assertTrue(st.metadata().get("config").contains("\"num_key_value_heads\": 2"), st.metadata().get("config"));
            assertArrayEquals(new long[] {2, 2, 37, 32}, st.info("io.final.key_cache").shape());
            assertArrayEquals(new long[] {64, 128}, st.info("k_proj.weight").shape());
            assertEquals(DType.F32, st.info("io.x").dtype());

            FloatTensor x = st.readFloats("io.x");
            assertArrayEquals(new int[] {2, 37, 128}, x.shape());
            assertEquals(2 * 37 * 128, x.size());
            double sum = 0;
            for (float v : x.data()) {
                assertTrue(Float.isFinite(v));
                sum += v;
            }
            assertEquals(-0.8870386481285095f, x.data()[0]);
            assertEquals(0.8930321335792542f, x.data()[1]);
            assertEquals(0.5657795071601868f, x.data()[x.size() - 1]);
            assertEquals(34.222908722729244, sum, 1e-4);
            assertEquals(0.062073756009340286f, st.readFloats("q_proj.bias").data()[0]);
            assertEquals(-0.03204364702105522f, st.readFloats("q_proj.bias").data()[5]);
        }
    }

    @Test
    void opensTinyJetModelDirectoryWithoutExpectedFile() {
        Path dir = TestFiles.fixtures().resolve("model/tiny-jet");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(92, ck.names().size());
            assertEquals("model.embed_tokens.weight", ck.names().getFirst());
            assertFalse(ck.has("logits"), "expected.safetensors must not be part of the weights");
            assertEquals("pt", ck.metadata().get("format"));
            assertEquals(dir.resolve("model.safetensors"), ck.fileOf("model.layers.0.input_layernorm.weight"));
            FloatTensor norm = ck.readFloats("model.layers.0.input_layernorm.weight");
            assertEquals(1, norm.rank());
            for (float v : norm.data()) assertTrue(Float.isFinite(v));
        }
        try (Checkpoint ex = Checkpoint.ofFile(dir.resolve("expected.safetensors"))) {
            assertEquals(DType.I64, ex.info("input_ids").dtype());
            assertArrayEquals(new long[] {2, 24}, ex.info("input_ids").shape());
            long[] ids = ex.readLongs("input_ids");
            assertEquals(48, ids.length);
            assertArrayEquals(new long[] {414, 479, 138, 348, 38, 55}, java.util.Arrays.copyOf(ids, 6));
            assertEquals("24", ex.metadata().get("prompt_len"));
        }
    }
}
