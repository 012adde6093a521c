package io.jetrt.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.retrofit.Retrofit;
import io.jetrt.retrofit.RetrofitListener;
import io.jetrt.retrofit.RetrofitOptions;
import io.jetrt.retrofit.RetrofitResult;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.tests.faulty.FaultyActivator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetrt retrofit} on the tiny checkpoint: the result is a model directory the other commands load, with the
 * promised JSON; training works end to end (each student memorises a single sequence); a run stopped mid-way and run
 * again gives the weights of an uninterrupted run bit for bit; bad input is refused by name.
 */
class RetrofitTest {
    private static Path dir, tokenizer, text;

    @BeforeAll
    static void demoTokenizerAndText() throws Exception {
        dir = CompareRun.fresh("retrofit");
        tokenizer = dir.resolve("demo");
        CompareRun demo = CompareRun.run(dir, "demo", "--out", tokenizer.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, demo.exit(), demo.err());
        text = Path.of("..", "README.md").toAbsolutePath().normalize(); // ~30 KB of English and code: a small text
    }

    /**
     * jet → gdn on a text through the CLI: the JSON holds what the issue asks, KL to the teacher falls, and the output
     * directory is a model with gdn where the JetBlocks were that generate runs.
     */
    @Test
    void jetToGdnGivesALoadableModelAndLowersKl() throws Exception {
        Path out = dir.resolve("jet-gdn"), json = dir.resolve("jet-gdn.json");
        CompareRun r = CompareRun.run(dir, "retrofit", "--model", Fixtures.tinyJet().toString(), "--tokenizer", tokenizer.toString(),
                "--override", "jet:gdn", "--data", text.toString(), "--tokens", "12288", "--seq-len", "64", "--batch", "4", "--lr", "1e-2",
                "--out", out.toString(), "--json", json.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, r.exit(), r.err());
        Map<?, ?> j = new ObjectMapper().readValue(json.toFile(), Map.class);
        assertEquals(12288, ((Number) j.get("tokens")).intValue());
        assertTrue(((Number) j.get("tokens_per_s")).doubleValue() > 0, j.toString());
        List<?> layers = (List<?>) j.get("layers");
        assertEquals(3, layers.size());
        for (Object o : layers) {
            Map<?, ?> l = (Map<?, ?>) o;
            assertEquals("jet", l.get("from"));
            assertEquals("gdn", l.get("to"));
            assertTrue(((Number) l.get("mse_before")).doubleValue() > 0 && Double.isFinite(((Number) l.get("mse_after")).doubleValue()), l.toString());
        }
        double klBefore = ((Number) j.get("kl_before")).doubleValue(), klAfter = ((Number) j.get("kl_after")).doubleValue();
        assertTrue(klAfter < klBefore, "KL to the teacher falls: " + klBefore + " -> " + klAfter);
        assertEquals(List.of("gdn", "swa", "gdn", "attn", "gdn", "swa"), ModelConfig.load(out.resolve("config.json")).layerTypes());
        assertTrue(Files.exists(out.resolve("vocab.json")) && Files.exists(out.resolve(Retrofit.STATE_DIR).resolve("report.html")));
        assertTrue(Files.readString(out.resolve(Retrofit.STATE_DIR).resolve("report.html")).contains("data-series=\"layer 2 jet → gdn\""));
        CompareRun gen = CompareRun.run(dir, "generate", "--model", out.toString(), "--prompt", "A JetBlock", "--max-tokens", "4", "--greedy",
                "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, gen.exit(), gen.err());
    }

    /**
     * Distillation where the student can represent its teacher: at sequences of 8 tokens (the sliding window's size) a
     * full-attention layer computes what the sliding-window one does, so within 50K tokens of text each swapped layer's
     * held-out relative MSE must fall to at most a tenth of its initial value, and KL to the teacher must fall. (On this
     * checkpoint jet → gdn cannot get there: its JetBlocks' dynamic convolution is random and token-dependent, which
     * gdn's static convolutions cannot express; copying the teacher's own weights into gdn still leaves a relative MSE
     * of about 1.)
     */
    @Test
    void swaToAttentionWithinTheWindowFitsItsTeacher() throws Exception {
        Path out = dir.resolve("swa-attn"), json = dir.resolve("swa-attn.json");
        CompareRun r = CompareRun.run(dir, "retrofit", "--model", Fixtures.tinyJet().toString(), "--tokenizer", tokenizer.toString(),
                "--override", "swa:attn", "--data", text.toString(), "--tokens", "49152", "--seq-len", "8", "--batch", "16", "--lr", "3e-3",
                "--out", out.toString(), "--json", json.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, r.exit(), r.err());
        Map<?, ?> j = new ObjectMapper().readValue(json.toFile(), Map.class);
        for (Object o : (List<?>) j.get("layers")) {
            Map<?, ?> l = (Map<?, ?>) o;
            double before = ((Number) l.get("mse_before")).doubleValue(), after = ((Number) l.get("mse_after")).doubleValue();
            assertTrue(after <= 0.1 * before, "layer " + l.get("index") + ": relative MSE " + before + " -> " + after);
        }
        assertTrue(((Number) j.get("kl_after")).doubleValue() < ((Number) j.get("kl_before")).doubleValue(), j.toString());
    }

    /**
     * One training sequence, seen again and again: every student must drive its training loss from about 1 to below
     * 1e-2. This fails if a gradient, the teacher's activations or the optimizer were wrong for any layer.
     */
    @Test
    void everyStudentMemorisesOneSequence() throws Exception {
        Path ids = ids(dir.resolve("two.ids"), 2 * 32, 11);
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            RetrofitOptions o = new RetrofitOptions(Fixtures.tinyJet(), null, LayerRules.parse("jet:gdn"), ids, 32L * 150,
                    dir.resolve("memorise"), 32, 1, 1e-2, 0.1, 0.05, 0.01, 1.0, 0, io.jetrt.spi.Backend.CPU, 1, 50, 0, 3e-4);
            RetrofitResult r = new Retrofit(rt, o, RetrofitListener.NONE).run();
            double[] first = r.curve().getFirst(), last = r.curve().getLast();
            for (int i = 0; i < first.length; i++) {
                assertTrue(first[i] > 0.9 && last[i] < 1e-2, "layer " + r.layers().get(i).index() + ": " + first[i] + " -> " + last[i]);
            }
        }
    }

    /** Stopped after step 5 (its last state saved at step 3), then run again: the weights of an uninterrupted run, bit for bit. */
    @Test
    void aRunStoppedMidwayAndRunAgainGivesTheSameWeights() throws Exception {
        Path ids = ids(dir.resolve("resume.ids"), 12 * 16, 5);
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            RetrofitOptions whole = RetrofitOptions.of(Fixtures.tinyJet(), LayerRules.parse("2:gdn,4:mamba2"), ids, 9L * 2 * 16,
                    dir.resolve("uninterrupted")).withShape(16, 2).withCheckpointEvery(3).withSeed(4);
            RetrofitResult uninterrupted = new Retrofit(rt, whole, RetrofitListener.NONE).run();
            RetrofitOptions stopped = whole.withOut(dir.resolve("interrupted"));
            RuntimeException kill = assertThrows(RuntimeException.class, () -> new Retrofit(rt, stopped, new RetrofitListener() {
                @Override public void stepped(int step, int total, long tokens, double tps, double lr, boolean kl, double[] losses) {
                    if (step == 5) throw new IllegalStateException("killed at step 5");
                }
            }).run());
            assertEquals("killed at step 5", kill.getMessage());
            assertTrue(Files.notExists(stopped.out().resolve("model.safetensors")));
            RetrofitResult again = new Retrofit(rt, stopped, RetrofitListener.NONE).run();
            assertEquals(3, again.resumedFrom());
            assertArrayEquals(Files.readAllBytes(whole.out().resolve("model.safetensors")), Files.readAllBytes(stopped.out().resolve("model.safetensors")));
            assertEquals(uninterrupted.curve().size(), again.curve().size());
            for (int s = 0; s < again.curve().size(); s++) assertArrayEquals(uninterrupted.curve().get(s), again.curve().get(s), "curve step " + s);
            RetrofitResult changed = new Retrofit(rt, whole.withSeed(5).withOut(dir.resolve("other-seed")), RetrofitListener.NONE).run();
            assertNotEquals(again.layers().getFirst().mseAfter(), changed.layers().getFirst().mseAfter(), "the seed decides the weights");
        }
    }

    /**
     * With a KL stage (6 steps after 9 blockwise ones), stopped at step 13 (last state at 12, inside the KL stage) and run
     * again: the weights of an uninterrupted run, bit for bit.
     */
    @Test
    void aRunStoppedInTheKlStageResumesToTheSameWeights() throws Exception {
        Path ids = ids(dir.resolve("kl.ids"), 12 * 16, 6);
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            RetrofitOptions whole = RetrofitOptions.of(Fixtures.tinyJet(), LayerRules.parse("4:gdn"), ids, 9L * 2 * 16,
                    dir.resolve("kl-uninterrupted")).withShape(16, 2).withCheckpointEvery(3).withLr(1e-2).withKlStage(6L * 2 * 16, 3e-3);
            RetrofitResult both = new Retrofit(rt, whole, RetrofitListener.NONE).run();
            assertEquals(6, both.klCurve().size());
            RetrofitOptions stopped = whole.withOut(dir.resolve("kl-interrupted"));
            assertThrows(IllegalStateException.class, () -> new Retrofit(rt, stopped, new RetrofitListener() {
                @Override public void stepped(int step, int total, long tokens, double tps, double lr, boolean kl, double[] losses) {
                    if (step == 13) throw new IllegalStateException("killed at step 13");
                }
            }).run());
            RetrofitResult again = new Retrofit(rt, stopped, RetrofitListener.NONE).run();
            assertEquals(12, again.resumedFrom());
            assertArrayEquals(Files.readAllBytes(whole.out().resolve("model.safetensors")), Files.readAllBytes(stopped.out().resolve("model.safetensors")));
            assertEquals(both.klCurve(), again.klCurve());
            // stopped at step 10, right after stage 1's last state (9): the KL stage starts afresh from it
            RetrofitOptions atBoundary = whole.withOut(dir.resolve("kl-boundary"));
            assertThrows(IllegalStateException.class, () -> new Retrofit(rt, atBoundary, new RetrofitListener() {
                @Override public void stepped(int step, int total, long tokens, double tps, double lr, boolean kl, double[] losses) {
                    if (step == 10) throw new IllegalStateException("killed at step 10");
                }
            }).run());
            assertEquals(9, new Retrofit(rt, atBoundary, RetrofitListener.NONE).run().resumedFrom());
            assertArrayEquals(Files.readAllBytes(whole.out().resolve("model.safetensors")), Files.readAllBytes(atBoundary.out().resolve("model.safetensors")));
        }
    }

    /** The KL stage alone on one training sequence: KL to the teacher on it falls to under half, through every layer above. */
    @Test
    void theKlStageLowersKlOnWhatItTrainsOn() throws Exception {
        Path ids = ids(dir.resolve("kl-one.ids"), 2 * 32, 12);
        try (JetRuntime rt = JetRuntime.start(Fixtures.settings())) {
            RetrofitOptions o = new RetrofitOptions(Fixtures.tinyJet(), null, LayerRules.parse("2:gdn"), ids, 32, dir.resolve("kl-one"), 32, 1,
                    1e-2, 0.1, 0.05, 0.01, 1.0, 0, io.jetrt.spi.Backend.CPU, 1, 50, 32L * 40, 3e-3);
            RetrofitResult r = new Retrofit(rt, o, RetrofitListener.NONE).run();
            assertEquals(40, r.klCurve().size());
            assertTrue(r.klCurve().getLast() < 0.5 * r.klCurve().getFirst(), "KL on the trained sequence: " + r.klCurve());
        }
    }

    @Test
    void badInputIsRefusedByName() throws Exception {
        Path ids = ids(dir.resolve("bad.ids"), 4 * 16, 2);
        String model = Fixtures.tinyJet().toString(), bundles = Fixtures.settings().bundles().toString();

        CompareRun unknown = CompareRun.run(dir, "retrofit", "--model", model, "--override", "jet:nosuch", "--data", ids.toString(),
                "--tokens", "64", "--seq-len", "16", "--out", dir.resolve("unknown").toString(), "--bundles", bundles);
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("nosuch"), unknown.err());

        CompareRun shortData = CompareRun.run(dir, "retrofit", "--model", model, "--override", "jet:gdn", "--data", ids.toString(),
                "--tokens", "64", "--seq-len", "64", "--out", dir.resolve("short").toString(), "--bundles", bundles);
        assertEquals(1, shortData.exit());
        assertTrue(shortData.err().contains("bad.ids is too short"), shortData.err());

        CompareRun nan = CompareRun.run(dir, "retrofit", "--model", model, "--override", "4:gdn", "--data", ids.toString(),
                "--tokens", "640", "--seq-len", "16", "--batch", "1", "--lr", "1e30", "--out", dir.resolve("nan").toString(), "--bundles", bundles);
        assertEquals(1, nan.exit());
        assertTrue(nan.err().contains("layer 4 (jet → gdn") && nan.err().contains("non-finite") && nan.err().contains("last good state"), nan.err());
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("last good state \\(step (\\d+)\\)").matcher(nan.err());
        assertTrue(named.find(), nan.err());
        try (SafeTensorsFile state = SafeTensorsFile.open(dir.resolve("nan").resolve(Retrofit.STATE_DIR).resolve("state.safetensors"))) {
            assertEquals(named.group(1), state.metadata().get("step"), "the state kept is the one the message names");
        }

        Path withFaulty = Files.createDirectories(dir.resolve("faulty-bundles"));
        Fixtures.copyOfBundles(withFaulty);
        BundleJars.fromTestPackage(FaultyActivator.class.getPackage(), Map.of("Bundle-SymbolicName", "io.jetrt.tests.faulty.untrainable",
                "Bundle-Version", "9.0.0", "Bundle-Activator", FaultyActivator.class.getName(), "Faulty-Mode", "none",
                "Import-Package", "io.jetrt.spi;version=\"[1.0,2)\",org.osgi.framework;version=\"[1.10,2)\""), withFaulty.resolve("faulty.jar"));
        CompareRun untrainable = CompareRun.run(dir, "retrofit", "--model", model, "--override", "0:attn", "--data", ids.toString(),
                "--tokens", "64", "--seq-len", "16", "--out", dir.resolve("untrainable").toString(), "--bundles", withFaulty.toString());
        assertEquals(1, untrainable.exit());
        assertTrue(untrainable.err().contains("io.jetrt.tests.faulty.untrainable") && untrainable.err().contains("TrainableProvider (SPI 1.3)"),
                untrainable.err());
    }

    private static Path ids(Path file, int n, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        StringJoiner j = new StringJoiner(" ");
        for (int i = 0; i < n; i++) j.add(Integer.toString(r.nextInt(512)));
        return Files.writeString(file, j.toString());
    }
}
