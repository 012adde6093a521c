package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Piecewise decoding gives the same text as decoding everything at once. */
class StreamingDecoderTest {

    @TestFactory
    Stream<DynamicTest> streamingReproducesEveryCase() {
        return Fixtures.cases().stream().map(c -> {
            String text = (String) c.get("text");
            return DynamicTest.dynamicTest(Fixtures.label(text), () -> {
                int[] ids = Fixtures.ids(c.get("ids"));
                assertEquals(c.get("decoded"), stream(Fixtures.qwen(), ids, false),
                        () -> "streamed decode of " + Fixtures.label(text));
            });
        });
    }

    @Test
    void holdsBackIncompleteCharacters() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        int[] ids = t.encode("a\u200d👨‍👩‍👧‍👦!");
        StreamingDecoder d = t.streamingDecoder(false);
        StringBuilder seen = new StringBuilder();
        int held = 0;
        for (int i = 0; i < ids.length; i++) {
            String piece = d.feed(ids[i]);
            if (piece.isEmpty()) held++;
            for (int k = 0; k < piece.length(); k++) if (piece.charAt(k) == '\uFFFD') throw new AssertionError("U+FFFD emitted");
            seen.append(piece);
        }
        assertEquals("a\u200d👨‍👩‍👧‍👦!", seen + d.finish());
        assertTrue(held > 0, "some token ended inside a character");
    }

    @Test
    void finishReplacesATruncatedCharacter() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        int[] ids = t.encode("\u200d");
        assertEquals(2, ids.length);
        StreamingDecoder d = t.streamingDecoder(false);
        assertEquals("", d.feed(ids[0]));
        assertEquals("\uFFFD", d.finish());
        assertEquals("", d.finish());
    }

    @Test
    void skipsSpecialTokensLikeDecode() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        int[] ids = t.encode("<|im_start|>assistant\nfine, 谢谢<|im_end|>");
        assertEquals(t.decode(ids, true), stream(t, ids, true));
    }

    private static String stream(Qwen2Tokenizer t, int[] ids, boolean skipSpecial) {
        StreamingDecoder d = new StreamingDecoder(t, skipSpecial);
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(d.feed(id));
        return out.append(d.finish()).toString();
    }
}
