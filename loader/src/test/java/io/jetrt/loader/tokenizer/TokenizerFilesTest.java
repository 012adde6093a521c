package io.jetrt.loader.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken tokenizer directories give errors that name the file and the problem. */
class TokenizerFilesTest {

    private static Path trained(Path dir) throws IOException {
        BpeTrainer.train("the cat sat on the mat; the hat sat on the cat", 10, dir);
        return dir;
    }

    /** Appends a line to the trained merges.txt, which has a header and 10 merges: it becomes line 12. */
    private static void appendLine(Path file, String line) throws IOException {
        Files.writeString(file, Files.readString(file) + line + "\n");
    }

    private static String loadError(Path dir) {
        return assertThrows(TokenizerFileException.class, () -> Qwen2Tokenizer.load(dir)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), () -> "\"" + p + "\" missing from: " + message);
    }

    @Test
    void missingVocab(@TempDir Path dir) throws IOException {
        Files.delete(trained(dir).resolve("vocab.json"));
        assertMentions(loadError(dir), "vocab.json", "missing");
    }

    @Test
    void missingMerges(@TempDir Path dir) throws IOException {
        Files.delete(trained(dir).resolve("merges.txt"));
        assertMentions(loadError(dir), "merges.txt", "missing");
    }

    @Test
    void malformedMergesLine(@TempDir Path dir) throws IOException {
        appendLine(trained(dir).resolve("merges.txt"), "the");
        assertMentions(loadError(dir), "merges.txt", "line 12", "two tokens");
    }

    @Test
    void mergeOfUnknownToken(@TempDir Path dir) throws IOException {
        appendLine(trained(dir).resolve("merges.txt"), "qq x");
        assertMentions(loadError(dir), "merges.txt", "line 12", "unknown token \"qq\"");
    }

    @Test
    void mergeIntoUnknownToken(@TempDir Path dir) throws IOException {
        Files.writeString(trained(dir).resolve("merges.txt"), "#version: 0.2\nx z\n");
        assertMentions(loadError(dir), "merges.txt", "line 2", "\"xz\" is not in vocab.json");
    }

    @Test
    void badJson(@TempDir Path dir) throws IOException {
        Files.writeString(trained(dir).resolve("vocab.json"), "{\"a\": 0,}");
        assertMentions(loadError(dir), "vocab.json", "bad JSON");
    }

    @Test
    void vocabWithoutAllBytes(@TempDir Path dir) throws IOException {
        Files.writeString(trained(dir).resolve("vocab.json"), "{\"a\": 0}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n");
        assertMentions(loadError(dir), "vocab.json", "no token for byte");
    }

    @Test
    void unknownEosToken(@TempDir Path dir) throws IOException {
        Path config = trained(dir).resolve("tokenizer_config.json");
        Files.writeString(config, Files.readString(config).replace("\"eos_token\": \"<|endoftext|>\"", "\"eos_token\": \"</s>\""));
        assertMentions(loadError(dir), "tokenizer_config.json", "eos_token \"</s>\"");
    }

    @Test
    void missingConfig(@TempDir Path dir) throws IOException {
        Files.delete(trained(dir).resolve("tokenizer_config.json"));
        assertMentions(loadError(dir), "tokenizer_config.json", "missing");
    }
}
