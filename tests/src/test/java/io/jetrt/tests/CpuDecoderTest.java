package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Measurement;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.jetrt.conformance.Closeness.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model on the CPU decoder, through the paths the decoder seam and the measurement engine added: greedy steps
 * (the loop the GPU keeps on the device) equal host argmax over forward steps, a prompt prefilled in chunks
 * continues the state as one forward would, and the heap holds every weight once as float32.
 */
class CpuDecoderTest {
    static JetRuntime rt;
    static Model model;

    @BeforeAll static void start() {
        rt = JetRuntime.start(Fixtures.settings());
        // layer 0 swapped to gdn: seeded weights next to checkpoint ones
        model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withBackend(Backend.CPU).withOverrides(LayerRules.parse("0:gdn")));
    }

    @AfterAll static void stop() {
        model.close();
        rt.close();
    }

    @Test
    void greedyEqualsArgmaxOverForwardSteps() {
        int batch = 2, len = 7, n = 5, vocab = model.config().vocabSize();
        int[] prompt = Tokens.random(batch * len, vocab, 3);
        try (ModelState a = model.newState(batch, len + n + 1); ModelState b = model.newState(batch, len + n + 1)) {
            model.forward(prompt, batch, a, false, null);
            model.forward(prompt, batch, b, false, null);
            int[] first = {4, 9};
            int[] greedy = model.greedy(first, a, n);
            int[] host = new int[n * batch], feed = first.clone();
            for (int s = 0; s < n; s++) {
                float[] l = model.forward(feed, batch, b, false, null).data();
                for (int r = 0; r < batch; r++) feed[r] = Tokens.argmax(l, r * vocab, vocab);
                System.arraycopy(feed, 0, host, s * batch, batch);
            }
            assertArrayEquals(host, greedy);
            assertArrayEquals(b.positions(), a.positions());
            assertArrayEquals(new int[] {len + n, len + n}, a.positions());
        }
    }

    @Test
    void greedyRefusesToRunPastTheStatesCapacity() {
        try (ModelState s = model.newState(1, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.greedy(new int[] {1}, s, 5));
            assertTrue(e.getMessage().contains("would reach 5 tokens; the state was sized for 4"), e.getMessage());
        }
    }

    /** Chunks of at most 8 rows at batch 2 (4 tokens per sequence per chunk) against one forward of the prompt. */
    @Test
    void chunkedPrefillContinuesTheStateAsOneForwardDoes() {
        int batch = 2, len = 11, vocab = model.config().vocabSize();
        int[] prompt = Tokens.random(batch * len, vocab, 4);
        try (ModelState whole = model.newState(batch, len + 1); ModelState chunked = model.newState(batch, len + 1)) {
            FloatTensor once = model.forward(prompt, batch, whole, false, null);
            assertEquals(1, Prefill.chunkLength(batch, len, 3));
            assertEquals(4, Prefill.chunkLength(batch, len, 8));
            FloatTensor parts = Prefill.chunked(model, prompt, batch, chunked, 8);
            assertArrayEquals(whole.positions(), chunked.positions());
            // the same math split over positions: equal up to float32 rounding of the blocks' chunk boundaries
            assertClose(once.data(), parts.data(), 1e-4, "last logits, chunked vs one forward");
            int[] next = {5, 6};
            assertClose(model.forward(next, batch, whole, false, null).data(), model.forward(next, batch, chunked, false, null).data(), 1e-4,
                    "the next step's logits");
        }
    }

    @Test
    void measurementCountsWhatItRan() {
        int batch = 2, len = 6, vocab = model.config().vocabSize();
        int[] prompt = Tokens.random(batch * len, vocab, 5), forced = Tokens.random(batch * 4, vocab, 6);
        Measurement.Run forcedRun = Measurement.teacherForced(model, prompt, forced, batch, 4);
        assertEquals(4, forcedRun.decodeSteps());
        assertEquals(4, forcedRun.stepMs().length);
        assertEquals(batch * 5, forcedRun.chosen().length, "the prompt's argmax and one per step");
        Measurement.Run greedyRun = Measurement.greedy(model, prompt, batch, 3, 4);
        assertEquals(batch * (2 + 3), greedyRun.chosen().length, "first token, the untimed warm step, then 3 timed");
        // both start from the same prefill: the first chosen tokens agree
        assertArrayEquals(Arrays.copyOf(forcedRun.chosen(), batch), Arrays.copyOf(greedyRun.chosen(), batch));
        assertTrue(greedyRun.prefillMs() > 0 && greedyRun.decodeMs() > 0 && greedyRun.ttftMs() >= greedyRun.prefillMs());
    }

    @Test
    void theHeapHoldsEveryWeightOnceAsFloat32() {
        // counted from what the heap holds (dense arrays, each layer's loaded or drawn tensors), not from declarations
        assertEquals(Float.BYTES * model.parameterCount(), model.hostWeightBytes());
    }
}
