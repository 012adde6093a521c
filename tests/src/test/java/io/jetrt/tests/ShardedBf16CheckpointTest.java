package io.jetrt.tests;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layout of the released checkpoints: weights in BF16, sharded with a {@code model.safetensors.index.json}
 * (here tiny-jet re-saved that way, no lm_head). Sharded F32 verifies like the single file; BF16 gives
 * exactly the logits of its own values stored as F32.
 */
class ShardedBf16CheckpointTest {
    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    @Test
    void shardedFloat32VerifiesLikeTheSingleFile(@TempDir Path dir) throws Exception {
        reshard(dir, DType.F32);
        VerifyReport r = rt.modelVerifier().verify(dir, ComposeOptions.DEFAULT);
        assertTrue(r.passed(), r.format());
    }

    @Test
    void shardedBf16GivesExactlyTheLogitsOfItsValuesInFloat32(@TempDir Path bf16, @TempDir Path f32) throws Exception {
        reshard(bf16, DType.BF16);
        // the same bf16-rounded values, stored as F32 in one file: bf16 -> f32 widening is exact
        Files.copy(bf16.resolve("config.json"), f32.resolve("config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (Checkpoint c = Checkpoint.open(bf16)) {
            for (String name : c.names()) w.add(name, c.readFloats(name), DType.F32);
        }
        w.write(f32.resolve("model.safetensors"));
        float[] fromBf16 = logits(rt.load(bf16, ComposeOptions.DEFAULT)), fromF32 = logits(rt.load(f32, ComposeOptions.DEFAULT));
        assertArrayEquals(fromF32, fromBf16, 0f);
        float[] want;
        try (SafeTensorsFile expected = SafeTensorsFile.open(Fixtures.tinyJet().resolve("expected.safetensors"))) {
            want = expected.readFloats("logits").data();
        }
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(fromBf16[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        // rounded weights move the logits a little (2.9e-2 measured: A_log in bf16 shifts every decay), no more
        assertTrue(maxErr / maxRef > 1e-6 && maxErr / maxRef < 0.1, "bf16 logits rel " + maxErr / maxRef);
    }

    private static float[] logits(Model m) throws Exception {
        try (SafeTensorsFile expected = SafeTensorsFile.open(Fixtures.tinyJet().resolve("expected.safetensors"))) {
            long[] ids = expected.readLongs("input_ids");
            int[] tokens = new int[ids.length];
            for (int i = 0; i < ids.length; i++) tokens[i] = (int) ids[i];
            return m.forward(tokens, 2, m.newState(2, tokens.length / 2), true, null).data();
        }
    }

    /** tiny-jet's config and weights as two shards plus an index, tensors stored as {@code dtype}. */
    private static void reshard(Path dir, DType dtype) throws Exception {
        Path src = Fixtures.tinyJet();
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("expected.safetensors"), dir.resolve("expected.safetensors"));
        StringBuilder map = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        try (SafeTensorsFile f = SafeTensorsFile.open(src.resolve("model.safetensors"))) {
            List<String> names = f.names();
            SafeTensorsWriter[] shards = {new SafeTensorsWriter(), new SafeTensorsWriter()};
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                int shard = name.contains(".layers.") && Integer.parseInt(name.split("\\.")[2]) >= 3 ? 1 : 0;
                FloatTensor t = f.readFloats(name);
                shards[shard].add(name, t, dtype);
                if (i > 0) map.append(", ");
                Json.quote(map, name).append(": ");
                Json.quote(map, "model-0000" + (shard + 1) + "-of-00002.safetensors");
            }
            for (int s = 0; s < 2; s++) shards[s].metadata("format", "pt").write(dir.resolve("model-0000" + (s + 1) + "-of-00002.safetensors"));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), map.append("}}").toString());
    }
}
