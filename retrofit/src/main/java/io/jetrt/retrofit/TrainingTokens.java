package io.jetrt.retrofit;

import io.jetrt.loader.tokenizer.Qwen2Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The data of a run as token ids, cut into sequences of {@code seqLen}: the last {@code heldOut} sequences are kept for
 * the before/after measures, the others are trained on. A file ending in {@code .ids} holds ids separated by white space
 * or commas; any other file is text, encoded with the checkpoint's tokenizer.
 */
record TrainingTokens(Path source, int[] ids, int seqLen, int train, int heldOut) {

    static TrainingTokens load(Path data, Path tokenizerDir, int vocab, int seqLen, int heldOutAsked) {
        int[] ids = data.getFileName().toString().endsWith(".ids") ? readIds(data) : encode(data, tokenizerDir);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new RetrofitException("data " + data + ": token " + i + " is id " + ids[i] + ", outside the model's vocabulary [0, "
                        + vocab + ")" + (data.toString().endsWith(".ids") ? "" : "; the tokenizer in " + tokenizerDir + " does not fit the model"));
            }
        }
        int sequences = ids.length / seqLen;
        int heldOut = heldOutAsked > 0 ? heldOutAsked : Math.max(1, Math.min(8, sequences / 10));
        if (sequences < heldOut + 1) {
            throw new RetrofitException("data " + data + " is too short: " + ids.length + " tokens make " + sequences + " sequence"
                    + (sequences == 1 ? "" : "s") + " of " + seqLen + "; a run needs at least " + (heldOut + 1) + " (" + heldOut
                    + " held out for the before/after measures, 1 to train on): give more text or a smaller --seq-len");
        }
        return new TrainingTokens(data, ids, seqLen, sequences - heldOut, heldOut);
    }

    /** Training sequence {@code i} ({@code 0 ≤ i < train}). */
    int[] trainSequence(int i) { return Arrays.copyOfRange(ids, i * seqLen, (i + 1) * seqLen); }

    /** Held-out sequence {@code i} ({@code 0 ≤ i < heldOut}), after every training sequence. */
    int[] heldOutSequence(int i) { return trainSequence(train + i); }

    private static int[] readIds(Path data) {
        String text = read(data);
        String[] parts = text.strip().split("[\\s,]+");
        if (parts.length == 1 && parts[0].isEmpty()) return new int[0];
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new RetrofitException("data " + data + ": item " + i + " is '" + parts[i] + "', not a token id (a .ids file holds integers)");
            }
        }
        return ids;
    }

    private static int[] encode(Path data, Path tokenizerDir) {
        if (!Files.exists(tokenizerDir.resolve("vocab.json"))) {
            throw new RetrofitException("data " + data + " is text, but " + tokenizerDir + " has no tokenizer (vocab.json): pass"
                    + " --tokenizer DIR, or token ids in a .ids file");
        }
        try {
            return Qwen2Tokenizer.load(tokenizerDir).encode(read(data));
        } catch (IOException e) {
            throw new RetrofitException("tokenizer " + tokenizerDir + ": cannot read: " + e.getMessage());
        }
    }

    private static String read(Path data) {
        try {
            return Files.readString(data);
        } catch (IOException e) {
            throw new RetrofitException("data " + data + ": cannot read: " + e);
        }
    }
}
