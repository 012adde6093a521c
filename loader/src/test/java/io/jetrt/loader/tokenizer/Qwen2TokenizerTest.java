package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Qwen2.5 tokenizer against the ids Hugging Face produced (encodings.json). */
class Qwen2TokenizerTest {

    @TestFactory
    Stream<DynamicTest> everyCaseEncodesAndDecodesAsHuggingFace() {
        return Fixtures.cases().stream().map(c -> {
            String text = (String) c.get("text");
            return DynamicTest.dynamicTest(Fixtures.label(text), () -> {
                Qwen2Tokenizer t = Fixtures.qwen();
                int[] want = Fixtures.ids(c.get("ids"));
                int[] got = t.encode(text);
                assertArrayEquals(want, got, () -> "encode(" + Fixtures.label(text) + "): want " + Arrays.toString(want)
                        + " got " + Arrays.toString(got));
                assertEquals(c.get("decoded"), t.decode(want), () -> "decode of " + Fixtures.label(text));
            });
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void chatCaseRendersAndEncodesAsHuggingFace() throws IOException {
        Map<String, Object> chat = (Map<String, Object>) Fixtures.encodings().get("chat");
        List<ChatTemplate.Message> messages = ((List<Map<String, Object>>) chat.get("messages")).stream()
                .map(m -> new ChatTemplate.Message((String) m.get("role"), (String) m.get("content"))).toList();
        String text = ChatTemplate.load(Fixtures.qwenDir()).render(messages, (Boolean) chat.get("add_generation_prompt"));
        assertEquals(chat.get("text"), text);
        assertArrayEquals(Fixtures.ids(chat.get("ids")), Fixtures.qwen().encode(text), "ids of the rendered chat");
    }

    @Test
    void specialTokensAndSizes() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        assertEquals(151665, t.vocabSize());
        assertEquals(151643, t.eosId());
        assertEquals(151645, t.imEndId());
        assertEquals(Set.of(151643, 151645), t.stopIds());
        assertTrue(t.isSpecial(151644));
        assertFalse(t.isSpecial(151657), "<tool_call> is added but not special");
        assertFalse(t.isSpecial(9707));
        assertEquals("<|im_start|>", t.token(151644));
        assertEquals("Ġworld", t.token(1879));
        assertEquals(1879, t.id("Ġworld").orElseThrow());
        assertEquals(151657, t.id("<tool_call>").orElseThrow());
        assertTrue(t.id("no such token").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> t.token(151665));
    }

    @Test
    void decodeSkipsSpecialTokensOnRequestAndUnknownIdsAlways() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        int[] ids = t.encode("<|im_start|>user\nhi<|im_end|><tool_call>");
        assertEquals("user\nhi<tool_call>", t.decode(ids, true));
        assertEquals("Hello", t.decode(new int[] {9707, 151900, -1}));
    }

    @Test
    void addedTokensMatchLongestFirstAndOnlyWhole() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        int[] ids = t.encode("a<|im_end|><|im_end|");
        assertEquals(151645, ids[1]);
        assertEquals("a<|im_end|><|im_end|", t.decode(ids));
        assertEquals(1, Arrays.stream(ids).filter(id -> id == 151645).count());
    }

    @Test
    void textIsNfcNormalised() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        assertArrayEquals(t.encode("caf\u00e9"), t.encode("cafe\u0301"));
    }

    @Test
    void invalidUtf8DecodesToReplacementCharacters() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        // U+200D (zero width joiner) is E2 80 8D, two tokens: the first alone is an incomplete character.
        int[] zwj = t.encode("\u200d");
        assertEquals(2, zwj.length);
        assertEquals("\uFFFD", t.decode(new int[] {zwj[0]}));
        assertEquals("\uFFFDx", t.decode(new int[] {zwj[0], t.encode("x")[0]}));
    }

    @Test
    void longTextEncodesQuicklyAndRoundTrips() throws IOException {
        Qwen2Tokenizer t = Fixtures.qwen();
        // One CJK run is a single piece: BPE must not be quadratic in its length.
        String text = "这是一个测试".repeat(5000);
        long t0 = System.nanoTime();
        int[] ids = t.encode(text);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(text, t.decode(ids));
        assertTrue(ms < 5000, "30k-character piece took " + ms + " ms");
    }
}
