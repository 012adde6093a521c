package io.jetrt.tests;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apples to apples: every variant of the standard comparison computes with the same non-swapped weights,
 * bit for bit. The digests in report.json must be equal across variants and equal to a SHA-256 computed
 * here straight from the checkpoint file; and two composed variants hold equal arrays.
 */
class CompareSharedWeightsTest {

    @Test
    void sharedDigestIsEqualAcrossVariantsAndToTheCheckpointsOwnTensors() throws Exception {
        CompareRun run = CompareRun.standard();
        ModelConfig cfg = ModelConfig.load(Fixtures.tinyJet().resolve("config.json"));
        List<Map<String, Object>> variants = run.list("variants");
        assertEquals(4, variants.size());
        Set<Integer> swappedByAny = new TreeSet<>();
        for (String v : CompareRun.VARIANTS) {
            List<String> t = CompareRun.typesOf(v);
            for (int i = 0; i < t.size(); i++) if (!t.get(i).equals(cfg.layerTypes().get(i))) swappedByAny.add(i);
        }
        assertEquals(Set.of(0, 1, 2, 4, 5), swappedByAny, "jet layers and swa layers are swapped by some variant; layer 3 (attn) never");
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.tinyJet())) {
            String shared = sha256(ckpt, swappedByAny);
            for (Map<String, Object> v : variants) {
                String name = (String) v.get("variant");
                @SuppressWarnings("unchecked") Map<String, Object> d = (Map<String, Object>) v.get("shared_weights");
                assertEquals(shared, d.get("sha256"), name + ": shared tensors differ from the checkpoint's");
                Set<Integer> own = new TreeSet<>();
                List<String> t = CompareRun.typesOf(name);
                for (int i = 0; i < t.size(); i++) if (!t.get(i).equals(cfg.layerTypes().get(i))) own.add(i);
                @SuppressWarnings("unchecked") Map<String, Object> o = (Map<String, Object>) v.get("checkpoint_weights");
                assertEquals(sha256(ckpt, own), o.get("sha256"), name + ": the checkpoint tensors it uses differ from the file");
                assertEquals(new ArrayList<>(own), toInts(v.get("swapped_layers")), name);
            }
            // the shared set is real: it holds the embedding, every layer's norms and MLP, and layer 3's attention
            long count = ckpt.names().stream()
                    .filter(n -> swappedByAny.stream().noneMatch(i -> n.startsWith(HfNames.blockPrefix(i)))).count();
            assertTrue(count > 30 && ckpt.names().stream().anyMatch(n -> n.startsWith(HfNames.blockPrefix(3))));
            @SuppressWarnings("unchecked") Map<String, Object> d0 = (Map<String, Object>) variants.getFirst().get("shared_weights");
            assertEquals(count, ((Number) d0.get("tensors")).longValue());
        }
    }

    @Test
    void composedVariantsHoldEqualArraysWhereNotSwappedAndSeededOnesWhereSwapped() {
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            Model jet = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withInitSeed(7));
            Model mamba = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("jet:mamba2")).withInitSeed(7));
            Map<String, Supplier<float[]>> a = jet.denseWeights(), b = mamba.denseWeights();
            assertEquals(a.keySet(), b.keySet());
            for (String n : a.keySet()) assertArrayEquals(a.get(n).get(), b.get(n).get(), n);
            Layer attnA = jet.layers().get(3), attnB = mamba.layers().get(3);
            assertArrayEquals(attnA.weights().get("q_proj.weight").data(), attnB.weights().get("q_proj.weight").data());
            assertTrue(mamba.layers().get(0).weightSource().startsWith("seeded upstream init"), mamba.layers().get(0).weightSource());
            // seeded init itself (same seed, same weights; other seed, other weights): ComposeErrorsTest
        }
    }

    /**
     * SHA-256 over the checkpoint's tensors, leaving out the blocks of {@code swapped} layers: per tensor in
     * name order, the name's UTF-8 bytes, a zero byte, and the SHA-256 of its float32 values little-endian.
     */
    static String sha256(Checkpoint ckpt, Set<Integer> swapped) throws Exception {
        MessageDigest all = MessageDigest.getInstance("SHA-256");
        for (String n : new TreeSet<>(ckpt.names())) {
            if (swapped.stream().anyMatch(i -> n.startsWith(HfNames.blockPrefix(i)))) continue;
            float[] v = ckpt.readFloats(n).data();
            ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) buf.putFloat(x);
            all.update(n.getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(MessageDigest.getInstance("SHA-256").digest(buf.array()));
        }
        return HexFormat.of().formatHex(all.digest());
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> toInts(Object o) { return ((List<Number>) o).stream().map(Number::intValue).toList(); }
}
