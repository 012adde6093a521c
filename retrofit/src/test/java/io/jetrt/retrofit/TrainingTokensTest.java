package io.jetrt.retrofit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTokensTest {
    @TempDir Path dir;

    @Test
    void idsSplitIntoTrainingAndHeldOutSequences() throws IOException {
        Path f = Files.writeString(dir.resolve("d.ids"), "1 2 3,4\n5 6 7 8 9 10 11");
        TrainingTokens t = TrainingTokens.load(f, dir, 16, 3, 1);
        assertEquals(2, t.train());
        assertEquals(1, t.heldOut());
        assertArrayEquals(new int[] {4, 5, 6}, t.trainSequence(1));
        assertArrayEquals(new int[] {7, 8, 9}, t.heldOutSequence(0), "held out: after the training sequences; the tail of 2 is dropped");
    }

    @Test
    void tooShortOutOfVocabularyAndNotIdsAreRefusedNamingTheFile() throws IOException {
        Path shortFile = Files.writeString(dir.resolve("short.ids"), "1 2 3 4 5");
        RetrofitException e = assertThrows(RetrofitException.class, () -> TrainingTokens.load(shortFile, dir, 16, 4, 1));
        assertTrue(e.getMessage().contains("short.ids is too short") && e.getMessage().contains("1 sequence of 4"), e.getMessage());
        Path big = Files.writeString(dir.resolve("big.ids"), "1 2 99 4");
        e = assertThrows(RetrofitException.class, () -> TrainingTokens.load(big, dir, 16, 2, 1));
        assertTrue(e.getMessage().contains("big.ids: token 2 is id 99") && e.getMessage().contains("[0, 16)"), e.getMessage());
        Path word = Files.writeString(dir.resolve("word.ids"), "1 two 3");
        e = assertThrows(RetrofitException.class, () -> TrainingTokens.load(word, dir, 16, 1, 1));
        assertTrue(e.getMessage().contains("item 1 is 'two'"), e.getMessage());
        Path text = Files.writeString(dir.resolve("t.txt"), "hello");
        e = assertThrows(RetrofitException.class, () -> TrainingTokens.load(text, dir, 16, 1, 1));
        assertTrue(e.getMessage().contains("has no tokenizer (vocab.json)") && e.getMessage().contains("--tokenizer"), e.getMessage());
    }
}
