package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime primitives the measurement engine plans and times rows with, on the CPU decoder and the tiny
 * Jet-Nemotron fixture (layers jet, swa, jet, attn, jet, swa; window 8): teacher-forced steps against forward plus
 * argmax, synthetic context fill with every block type, state bytes without allocating, and memory facts.
 */
class EnginePrimitivesTest {
    /** Overrides that put each block type in: jetblock and sliding-window attention as shipped, gdn, mamba2, full attention. */
    static final String[] OVERRIDES = {"", "jet:gdn", "jet:mamba2", "0-5:attn"};

    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    static Model load(String overrides) {
        ComposeOptions o = ComposeOptions.DEFAULT.withBackend(Backend.CPU);
        return rt.load(Fixtures.tinyJet(), overrides.isEmpty() ? o : o.withOverrides(LayerRules.parse(overrides)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jet:gdn"})
    void teacherForcedChoosesWhatForwardAndArgmaxChoose(String overrides) {
        try (Model model = load(overrides)) {
            int batch = 3, len = 9, n = 5, vocab = model.config().vocabSize();
            int[] prompt = Tokens.random(batch * len, vocab, 21), forced = Tokens.random(n * batch, vocab, 22);
            try (ModelState a = model.newState(batch, len + n + 1); ModelState b = model.newState(batch, len + n + 1)) {
                model.forward(prompt, batch, a, false, null);
                model.forward(prompt, batch, b, false, null);
                double[] stepMs = new double[n];
                int[] got = model.teacherForced(forced, a, n, stepMs);
                int[] want = new int[n * batch];
                for (int s = 0; s < n; s++) {
                    float[] l = model.forward(java.util.Arrays.copyOfRange(forced, s * batch, (s + 1) * batch), batch, b, false, null).data();
                    for (int r = 0; r < batch; r++) want[s * batch + r] = Tokens.argmax(l, r * vocab, vocab);
                }
                assertArrayEquals(want, got, "teacher-forced ids [n, B] vs forward + argmax, overrides '" + overrides + "'");
                assertArrayEquals(new int[] {len + n, len + n, len + n}, a.positions());
                for (int s = 0; s < n; s++) assertTrue(stepMs[s] > 0, "step " + s + " took " + stepMs[s] + " ms");
                // the state moved on as forward's did: the next step agrees
                int[] next = {1, 2, 3};
                assertArrayEquals(model.forward(next, batch, b, false, null).data(), model.forward(next, batch, a, false, null).data(), 0f);
            }
        }
    }

    @Test
    void teacherForcedChecksItsInputs() {
        try (Model model = load(""); ModelState s = model.newState(2, 4)) {
            assertThrows(IllegalArgumentException.class, () -> model.teacherForced(new int[3], s, 2, new double[2]), "forced not [n, B]");
            assertThrows(IllegalArgumentException.class, () -> model.teacherForced(new int[4], s, 2, new double[1]), "stepMs too short");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.teacherForced(new int[10], s, 5, new double[5]));
            assertTrue(e.getMessage().contains("would reach 5 tokens; the state was sized for 4"), e.getMessage());
        }
    }

    /** Contexts past the tiny model's sliding window (8), so the swa layers' caches are full windows. */
    @ParameterizedTest
    @ValueSource(strings = {"", "jet:gdn", "jet:mamba2", "0-5:attn"})
    void aSyntheticContextDecodesToFiniteLogits(String overrides) {
        try (Model model = load(overrides)) {
            int batch = 2, tokens = 20, vocab = model.config().vocabSize();
            try (ModelState s = model.newState(batch, tokens + 4)) {
                s.fillSynthetic(tokens);
                assertArrayEquals(new int[] {tokens, tokens}, s.positions());
                float[] l = model.forward(new int[] {3, 4}, batch, s, false, null).data();
                assertEquals(batch * vocab, l.length);
                for (int i = 0; i < l.length; i++) assertTrue(Float.isFinite(l[i]), "logit " + i + " is " + l[i] + ", overrides '" + overrides + "'");
                assertArrayEquals(new int[] {tokens + 1, tokens + 1}, s.positions());
                // the context counts: the same step from an empty state gives other logits
                try (ModelState fresh = model.newState(batch, 4)) {
                    float[] f = model.forward(new int[] {3, 4}, batch, fresh, false, null).data();
                    assertTrue(!java.util.Arrays.equals(f, l), "a filled state must change the step's logits");
                }
                // teacher forcing runs on from the filled context too
                int[] ids = model.teacherForced(new int[] {5, 6, 7, 8}, s, 2, new double[2]);
                for (int id : ids) assertTrue(id >= 0 && id < vocab, "id " + id);
            }
        }
    }

    @Test
    void fillSyntheticRefusesAStateThatHasSeenTokensOrAContextItCannotHold() {
        try (Model model = load(""); ModelState s = model.newState(1, 16)) {
            assertThrows(IllegalArgumentException.class, () -> s.fillSynthetic(16), "tokens must be below the capacity");
            assertThrows(IllegalArgumentException.class, () -> s.fillSynthetic(0));
            model.forward(new int[] {1, 2}, 1, s, false, null);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.fillSynthetic(4));
            assertTrue(e.getMessage().contains("fresh"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jet:gdn", "jet:mamba2", "0-5:attn"})
    void stateBytesIsWhatANewStateHolds(String overrides) {
        try (Model model = load(overrides)) {
            for (int[] bc : new int[][] {{1, 1}, {3, 7}, {2, 100}, {5, 4096}}) {
                try (ModelState s = model.newState(bc[0], bc[1])) {
                    assertEquals(s.bytesPerSequence() * bc[0], model.stateBytes(bc[0], bc[1]),
                            "batch " + bc[0] + ", capacity " + bc[1] + ", overrides '" + overrides + "'");
                }
            }
            // only full attention's cache grows with the capacity: K and V [Hkv = 2, L, Dh = 32] float32 per full layer
            // (layer 3 as shipped, all six under 0-5:attn); recurrent states and sliding windows do not
            int fullLayers = overrides.equals("0-5:attn") ? 6 : 1;
            assertEquals(fullLayers * 2L * 2 * 32 * Float.BYTES * 1000, model.stateBytes(1, 2000) - model.stateBytes(1, 1000));
        }
    }

    @Test
    void onTheCpuPrefillRowsAndMemoryComeFromTheHeap() {
        try (Model model = load("")) {
            assertEquals(Prefill.DEFAULT_MAX_ROWS, Prefill.maxRows(model));
            Model.Memory m = model.memory();
            Runtime jvm = Runtime.getRuntime();
            assertEquals(jvm.maxMemory(), m.total());
            assertTrue(m.free() > 0 && m.free() <= m.total(), m.toString());
            assertEquals(-1, m.peak());
            assertEquals(0, m.scratchReserved());
            int d = model.config().hiddenSize(), inter = model.config().intermediateSize();
            assertEquals(4L * (3 * d + 3 * inter), model.prefillBytesPerRow());
        }
    }
}
