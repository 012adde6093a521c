package io.jetrt.tests;

import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeException;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configs and checkpoints that do not fit: clear errors naming layer, type and tensor, before any compute. */
class ComposeErrorsTest {
    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    @Test
    void missingBlockTypeInConfigNamesLayerTypeAndInstalledTypes(@TempDir Path dir) throws IOException {
        copyTinyJet(dir, config -> config.replaceFirst("\"jet\",\\s*\"swa\",\\s*\"jet\",\\s*\"attn\",\\s*\"jet\"",
                "\"jet\", \"swa\", \"jet\", \"attn\", \"mamba3\""));
        ComposeException e = assertThrows(ComposeException.class, () -> rt.load(dir, ComposeOptions.DEFAULT));
        assertTrue(e.getMessage().contains("layer 4") && e.getMessage().contains("'mamba3'"), e.getMessage());
        assertTrue(e.getMessage().contains("installed types: attn, gdn, jet, mamba2, swa"), e.getMessage());
    }

    @Test
    void missingBlockTypeInOverride() {
        ComposeException e = assertThrows(ComposeException.class,
                () -> rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("2:retnet"))));
        assertTrue(e.getMessage().startsWith("layer 2: block type 'retnet'"), e.getMessage());
    }

    @Test
    void askingForCudaSaysWhyItCannotRun() {
        String missing = io.jetrt.runtime.gpu.GpuContext.missing();
        org.junit.jupiter.api.Assumptions.assumeTrue(missing != null, "this machine can run cuda");
        ComposeException e = assertThrows(ComposeException.class,
                () -> rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withBackend(io.jetrt.spi.Backend.CUDA)));
        assertTrue(e.getMessage().contains("backend cuda was asked for, but this machine cannot run it: " + missing), e.getMessage());
    }

    @Test
    void wrongWeightShapeFailsBeforeComputeNamingLayerTensorAndShapes(@TempDir Path dir) throws IOException {
        copyTinyJet(dir, c -> c);
        String bad = "model.layers.2.self_attn.q_proj.weight";
        rewriteCheckpoint(dir, bad, FloatTensor.zeros(64, 128));
        ComposeException e = assertThrows(ComposeException.class, () -> rt.load(dir, ComposeOptions.DEFAULT));
        assertTrue(e.getMessage().contains("layer 2 (jet"), e.getMessage());
        assertTrue(e.getMessage().contains(bad + " expected shape [128, 128], found [64, 128]"), e.getMessage());
    }

    @Test
    void configAskingForOtherBlockDimsFailsBeforeCompute(@TempDir Path dir) throws IOException {
        copyTinyJet(dir, c -> c.replace("\"head_dim\": 32", "\"head_dim\": 16"));
        ComposeException e = assertThrows(ComposeException.class, () -> rt.load(dir, ComposeOptions.DEFAULT));
        // every jet layer's q/k projections are named, with the shape the config implies and the one found
        for (int layer : new int[] {0, 2, 4}) {
            assertTrue(e.getMessage().contains("model.layers." + layer + ".self_attn.q_proj.weight expected shape [64, 128], found [128, 128]"), e.getMessage());
        }
    }

    @Test
    void swappedInBlocksGetSeededInitAndSharedWeightsStayTheCheckpoints() {
        ComposeOptions opts = ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("jet:gdn,1:mamba2")).withInitSeed(7);
        Model a = rt.load(Fixtures.tinyJet(), opts), b = rt.load(Fixtures.tinyJet(), opts);
        assertEquals(List.of("gdn", "mamba2", "gdn", "attn", "gdn", "swa"), a.layers().stream().map(Layer::type).toList());
        for (int i : new int[] {0, 1, 2, 4}) {
            Layer la = a.layers().get(i), lb = b.layers().get(i);
            assertTrue(la.weightSource().startsWith("seeded upstream init"), la.weightSource());
            List<String> names = la.type().equals("gdn") ? List.of("o_proj.weight", "q_conv1d.weight") : List.of("out_proj.weight", "in_proj.weight");
            for (String w : names) {
                assertArrayEquals(la.weights().get(w).data(), lb.weights().get(w).data(), "layer " + i + " " + w + " differs between runs");
            }
        }
        assertTrue(a.layers().get(3).weightSource().startsWith("checkpoint"));
        int[] ids = new int[24];
        Arrays.setAll(ids, i -> (i * 37) % 512);
        float[] logits = a.forward(ids, 1, a.newState(1, 24), true, null).data();
        for (float v : logits) assertTrue(Float.isFinite(v));
        float[] again = b.forward(ids, 1, b.newState(1, 24), true, null).data();
        assertArrayEquals(logits, again, 0f);
        Model other = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("jet:gdn,1:mamba2")).withInitSeed(8));
        assertFalse(Arrays.equals(a.layers().get(0).weights().get("o_proj.weight").data(), other.layers().get(0).weights().get("o_proj.weight").data()),
                "another init seed must give other weights");
    }

    static void copyTinyJet(Path dir, java.util.function.UnaryOperator<String> editConfig) throws IOException {
        Path src = Fixtures.tinyJet();
        Files.writeString(dir.resolve("config.json"), editConfig.apply(Files.readString(src.resolve("config.json"))));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
    }

    /** Rewrites dir/model.safetensors with {@code name} replaced by {@code t}. */
    static void rewriteCheckpoint(Path dir, String name, FloatTensor t) throws IOException {
        Path file = dir.resolve("model.safetensors"), tmp = dir.resolve("rewritten.tmp");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String n : f.names()) w.add(n, n.equals(name) ? t : f.readFloats(n), DType.F32);
        }
        w.write(tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
