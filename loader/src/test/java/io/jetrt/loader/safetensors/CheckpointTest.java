package io.jetrt.loader.safetensors;

import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {

    @TempDir Path dir;

    private void shard(String file, String shardNo, String... names) {
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("shard", shardNo);
        for (String n : names) w.add(n, FloatTensor.filled(n.length(), 2, 2), DType.F32);
        w.write(dir.resolve(file));
    }

    private void index(String weightMapJson) throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"metadata\":{\"total_size\":48},\"weight_map\":" + weightMapJson + "}");
    }

    private String rejected(String... mustContain) {
        String m = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir).close()).getMessage();
        for (String s : mustContain) assertTrue(m.contains(s), "message must contain '" + s + "': " + m);
        return m;
    }

    @Test
    void opensShardedCheckpointThroughIndex() throws IOException {
        shard("model-00001-of-00002.safetensors", "1", "a", "bb");
        shard("model-00002-of-00002.safetensors", "2", "ccc");
        index("{\"ccc\":\"model-00002-of-00002.safetensors\",\"a\":\"model-00001-of-00002.safetensors\","
                + "\"bb\":\"model-00001-of-00002.safetensors\"}");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(List.of("ccc", "a", "bb"), ck.names());
            assertEquals("1", ck.metadata().get("shard"));
            assertEquals(dir.resolve("model-00002-of-00002.safetensors"), ck.fileOf("ccc"));
            assertArrayEquals(new float[] {3, 3, 3, 3}, ck.readFloats("ccc").data());
            assertArrayEquals(new float[] {2, 2, 2, 2}, ck.readFloats("bb").data());
            assertArrayEquals(new long[] {2, 2}, ck.info("a").shape());
            assertEquals(2, ck.files().size());
            String m = assertThrows(CheckpointException.class, () -> ck.info("zz")).getMessage();
            assertTrue(m.contains(Checkpoint.INDEX) && m.contains("'zz'"), m);
        }
    }

    @Test
    void indexWithMissingShard() throws IOException {
        shard("model-00001-of-00002.safetensors", "1", "a");
        index("{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}");
        rejected(Checkpoint.INDEX, "model-00002-of-00002.safetensors", "'b'", "must exist");
    }

    @Test
    void indexNamesTensorMissingFromItsShard() throws IOException {
        shard("s1.safetensors", "1", "a");
        shard("s2.safetensors", "2", "b");
        index("{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}");
        rejected(Checkpoint.INDEX, "'b'", "s1.safetensors", "no such tensor");
    }

    @Test
    void tensorInTwoShards() throws IOException {
        shard("s1.safetensors", "1", "a", "b");
        shard("s2.safetensors", "2", "b");
        index("{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}");
        rejected(Checkpoint.INDEX, "'b'", "s1.safetensors", "s2.safetensors", "one shard");
    }

    @Test
    void badIndexFiles() throws IOException {
        shard("s1.safetensors", "1", "a");
        index("{\"a\":\"../s1.safetensors\"}");
        rejected(Checkpoint.INDEX, "'../s1.safetensors'", "inside");
        index("{\"a\":1}");
        rejected(Checkpoint.INDEX, "'a'", "weight_map");
        Files.writeString(dir.resolve(Checkpoint.INDEX), "{\"weight_map\":");
        rejected(Checkpoint.INDEX, "valid JSON");
        index("{}");
        rejected(Checkpoint.INDEX, "at least one");
    }

    @Test
    void corruptShardIsReportedByItsFileName() throws IOException {
        shard("s1.safetensors", "1", "a");
        Files.write(dir.resolve("s2.safetensors"), new byte[] {3});
        index("{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}");
        rejected("s2.safetensors", "at least 8 bytes");
    }

    @Test
    void prefersModelSafetensorsOverOtherFiles() {
        shard("model.safetensors", "m", "a");
        shard("other.safetensors", "o", "b");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(List.of("a"), ck.names());
        }
    }

    @Test
    void opensAllSafetensorsFilesExceptExpected() {
        shard("b.safetensors", "b", "y", "z");
        shard("a.safetensors", "a", "x");
        shard("expected.safetensors", "e", "logits");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(List.of("x", "y", "z"), ck.names());
            assertEquals("a", ck.metadata().get("shard"));
            assertFalse(ck.has("logits"));
            assertEquals(dir.resolve("b.safetensors"), ck.fileOf("z"));
            assertEquals(1f, ck.readFloats("z").data()[3]);
        }
    }

    @Test
    void sameNameInTwoFilesWithoutIndex() {
        shard("a.safetensors", "a", "x");
        shard("b.safetensors", "b", "x");
        rejected(dir.getFileName().toString(), "'x'", "a.safetensors", "b.safetensors");
    }

    @Test
    void emptyDirectoryOrNoDirectory() throws IOException {
        Files.writeString(dir.resolve("notes.txt"), "no weights");
        shard("expected.safetensors", "e", "logits");
        rejected(dir.toString(), "none");
        String m = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir.resolve("notes.txt"))).getMessage();
        assertTrue(m.contains("notes.txt") && m.contains("directory"), m);
    }

    @Test
    void ofFileReadsOneFile() {
        shard("only.safetensors", "o", "t");
        try (Checkpoint ck = Checkpoint.ofFile(dir.resolve("only.safetensors"))) {
            assertEquals(List.of("t"), ck.names());
            assertTrue(ck.has("t"));
            assertEquals(dir.resolve("only.safetensors"), ck.fileOf("t"));
            assertEquals("o", ck.metadata().get("shard"));
        }
    }
}
