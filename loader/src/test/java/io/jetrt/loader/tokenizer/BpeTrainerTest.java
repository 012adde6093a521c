package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {
    private static final String CORPUS = """
            Hybrid language models mix a few layers of full attention with many cheaper layers: linear \
            attention, state-space mixers, sliding windows. The cheaper layers keep a fixed-size state, so \
            the cost of each new token stays the same however long the text grows. Jet-Nemotron searches \
            for where the full attention layers should go, and then replaces the rest with JetBlocks, \
            whose convolution kernels are generated from the input itself. <|endoftext|>
            Les modèles hybrides sont rapides; le café est prêt. 東京は晴れです。 🚀🚀
            """;
    private static final int MERGES = 120;

    @Test
    void trainedTokenizerLoadsAndRoundTrips(@TempDir Path dir) throws IOException {
        BpeTrainer.train(CORPUS, MERGES, dir);
        Qwen2Tokenizer t = Qwen2Tokenizer.load(dir);
        assertEquals(256 + MERGES + 3, t.vocabSize());
        for (String s : List.of(CORPUS, "naïve café 東京 🚀", "Hello, world!", "", " ", "\n\n  x\t",
                "numbers 1234567890 and tabs\tand CRLF\r\n", "emoji 👨‍👩‍👧‍👦 Ünïcödé Привет 你好",
                "layers layers layers attention"))
            assertEquals(s, t.decode(t.encode(s)), () -> "round trip of " + Fixtures.label(s));
        // the merges were learned: frequent words take fewer tokens than bytes
        assertTrue(t.encode(" attention").length < " attention".length());
    }

    @Test
    void specialTokensAndChatTemplate(@TempDir Path dir) throws IOException {
        BpeTrainer.train(CORPUS, MERGES, dir);
        Qwen2Tokenizer t = Qwen2Tokenizer.load(dir);
        int endOfText = 256 + MERGES;
        assertArrayEquals(new int[] {endOfText}, t.encode("<|endoftext|>"));
        assertArrayEquals(new int[] {endOfText + 1}, t.encode("<|im_start|>"));
        assertArrayEquals(new int[] {endOfText + 2}, t.encode("<|im_end|>"));
        assertEquals(endOfText, t.eosId());
        assertEquals(endOfText + 2, t.imEndId());
        assertTrue(t.isSpecial(endOfText + 1));
        ChatTemplate chat = ChatTemplate.load(dir);
        assertEquals(ChatTemplate.DEFAULT_SYSTEM_PROMPT, chat.defaultSystemPrompt());
        String prompt = chat.render(List.of(new ChatTemplate.Message("user", "hi")), true);
        assertEquals(prompt, t.decode(t.encode(prompt)));
        assertEquals("system\nYou are a helpful assistant.\nuser\nhi\nassistant\n", t.decode(t.encode(prompt), true));
    }

    @Test
    void byteTokensComeFirstInAlphabetOrderAndMergesFileHasAHeader(@TempDir Path dir) throws IOException {
        BpeTrainer.train(CORPUS, MERGES, dir);
        Qwen2Tokenizer t = Qwen2Tokenizer.load(dir);
        Qwen2Tokenizer qwen = Fixtures.qwen();
        for (int id = 0; id < 256; id++) assertEquals(qwen.token(id), t.token(id), "byte token " + id);
        List<String> merges = Files.readAllLines(dir.resolve("merges.txt"));
        assertEquals("#version: 0.2", merges.getFirst());
        assertEquals(MERGES + 1, merges.size());
    }

    @Test
    void trainingIsDeterministic(@TempDir Path dir) throws IOException {
        BpeTrainer.train(CORPUS, MERGES, dir.resolve("a"));
        BpeTrainer.train(CORPUS, MERGES, dir.resolve("b"));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "chat_template.jinja"))
            assertEquals(Files.readString(dir.resolve("a").resolve(f)), Files.readString(dir.resolve("b").resolve(f)), f);
    }

    @Test
    void tooManyMergesForTheCorpusIsAnError(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpeTrainer.train("abab abab", 50, dir));
        assertTrue(e.getMessage().contains("allows only"), e.getMessage());
    }
}
