package io.jetrt.experiments;

import io.jetrt.loader.tokenizer.Qwen2Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The evaluation text as token ids. With the checkpoint's tokenizer ({@code vocab.json}) when it has one
 * whose ids fit the model's vocabulary; otherwise each UTF-8 byte is one id (0-255), which any model with
 * at least 256 ids can score — the numbers then compare variants of one model, not models.
 *
 * @param tokenizer "bpe" or "utf8-bytes", for the report
 */
record EvalText(int[] ids, String tokenizer) {

    static String read(Evaluation e) {
        if (e.text() != null) return e.text();
        try {
            return Files.readString(e.file(), StandardCharsets.UTF_8);
        } catch (IOException x) {
            throw new UncheckedIOException("evaluation.file " + e.file() + ": cannot read", x);
        }
    }

    static EvalText of(Evaluation e, Path modelDir, int vocab) {
        String text = read(e);
        int[] ids;
        String how;
        Qwen2Tokenizer tok = tokenizer(modelDir);
        if (tok != null && tok.vocabSize() <= vocab) {
            ids = tok.encode(text);
            how = "bpe";
        } else {
            if (vocab < 256) {
                throw new ExperimentException("evaluation: the model has no tokenizer and only " + vocab
                        + " ids; scoring UTF-8 bytes as ids needs at least 256");
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xff;
            how = "utf8-bytes";
        }
        if (ids.length < 2) throw new ExperimentException("evaluation: the text must give at least 2 tokens; got " + ids.length);
        return new EvalText(Arrays.copyOf(ids, Math.min(ids.length, e.maxTokens())), how);
    }

    private static Qwen2Tokenizer tokenizer(Path dir) {
        if (!Files.exists(dir.resolve("vocab.json"))) return null;
        try {
            return Qwen2Tokenizer.load(dir);
        } catch (IOException x) {
            throw new UncheckedIOException("cannot read the tokenizer in " + dir, x);
        }
    }
}
