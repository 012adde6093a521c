package io.jetrt.loader.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns byte-level BPE merges from a text, for the embedded demo model (which may not download a real
 * tokenizer). The text is cut and split exactly as {@link Qwen2Tokenizer} does it (added tokens out, NFC,
 * the Qwen2 pattern), so that the tokenizer it writes sees the same pieces. Each step merges the most
 * frequent adjacent pair of tokens within pieces, counting each piece as often as it occurs; ties go to
 * the pair with the smaller left id, then the smaller right id, which makes training deterministic.
 */
public final class BpeTrainer {
    /** The added tokens every trained tokenizer gets, in id order right after the merges. */
    public static final List<String> SPECIAL_TOKENS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    /** id → token text in the byte alphabet; ids 0..255 are the bytes, then one per merge. */
    private final List<String> tokens = new ArrayList<>();
    private final Set<String> taken = new HashSet<>();
    /** The distinct pieces of the corpus as token ids, and how often each occurs. */
    private final List<int[]> words = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    /** pair (left << 32 | right) → weighted number of occurrences; only pairs that occur. */
    private final Map<Long, Long> pairCounts = new HashMap<>();
    /** pair → indices of the words that contained it when it was counted (may be stale, never missing). */
    private final Map<Long, Set<Integer>> pairWords = new HashMap<>();
    /** Pairs that would make a token that exists already; each merge must add a new token. */
    private final Set<Long> banned = new HashSet<>();
    private final List<String> mergeLines = new ArrayList<>();

    private BpeTrainer() {}

    /**
     * Learns {@code merges} merges from {@code corpus} and writes a tokenizer directory that
     * {@link Qwen2Tokenizer#load} and {@link ChatTemplate#load} read: vocab.json (256 byte tokens, ids in
     * byte-alphabet order as in GPT-2 and Qwen2, then one token per merge), merges.txt,
     * tokenizer_config.json ({@link #SPECIAL_TOKENS} as special added tokens, eos {@code <|endoftext|>})
     * and chat_template.jinja. The vocabulary size is {@code 256 + merges + 3}.
     *
     * @throws IllegalArgumentException when {@code merges} is negative or the corpus has too few distinct
     *                                  pairs to learn that many merges
     */
    public static void train(String corpus, int merges, Path outDir) throws IOException {
        if (merges < 0) throw new IllegalArgumentException("merges must be >= 0, got " + merges);
        BpeTrainer t = new BpeTrainer();
        t.countWords(corpus);
        for (int m = 0; m < merges; m++) {
            long pair = t.bestPair();
            if (pair < 0)
                throw new IllegalArgumentException("the corpus allows only " + m + " merges; asked for " + merges);
            t.merge(pair);
        }
        TokenizerDirWriter.write(outDir, t.tokens, t.mergeLines, SPECIAL_TOKENS);
    }

    private void countWords(String corpus) {
        int[] idOfByte = new int[256];
        for (int i = 0; i < 256; i++) {
            int b = ByteAlphabet.byteAt(i);
            idOfByte[b] = i;
            addToken(String.valueOf(ByteAlphabet.charOf(b)));
        }
        taken.addAll(SPECIAL_TOKENS);
        List<AddedTokens.Token> specials = new ArrayList<>();
        for (String s : SPECIAL_TOKENS) specials.add(new AddedTokens.Token(specials.size(), s, true));
        Map<String, Integer> pieces = new HashMap<>();
        new AddedTokens(specials).split(corpus, plain -> {
            for (String p : PreTokenizer.split(Normalizer.normalize(plain, Normalizer.Form.NFC)))
                pieces.merge(p, 1, Integer::sum);
        }, special -> { });
        for (Map.Entry<String, Integer> e : pieces.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] word = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) word[i] = idOfByte[bytes[i] & 0xFF];
            words.add(word);
            counts.add(e.getValue());
            addPairs(words.size() - 1, +1);
        }
    }

    /** The most frequent pair that makes a new token, or -1 when none is left. */
    private long bestPair() {
        while (true) {
            long best = -1;
            long bestCount = 0;
            for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
                long c = e.getValue();
                long key = e.getKey();
                if ((c > bestCount || (c == bestCount && key < best)) && !banned.contains(key)) {
                    best = key;
                    bestCount = c;
                }
            }
            if (best < 0 || !taken.contains(concat(best))) return best;
            banned.add(best); // e.g. (ab, c) after (a, bc): same text, so it would not add a token
        }
    }

    /** Merges {@code pair} everywhere into a new token and updates the pair counts. */
    private void merge(long pair) {
        int left = (int) (pair >>> 32);
        int right = (int) pair;
        int id = tokens.size();
        mergeLines.add(tokens.get(left) + " " + tokens.get(right));
        addToken(concat(pair));
        Set<Integer> candidates = pairWords.getOrDefault(pair, Set.of());
        pairWords.remove(pair);
        for (int w : candidates) {
            int[] word = words.get(w);
            if (!contains(word, left, right)) continue; // stale entry
            addPairs(w, -1);
            int[] out = new int[word.length];
            int n = 0;
            for (int i = 0; i < word.length; i++) {
                if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                    out[n++] = id;
                    i++;
                } else {
                    out[n++] = word[i];
                }
            }
            words.set(w, Arrays.copyOf(out, n));
            addPairs(w, +1);
        }
    }

    /** Adds (sign +1) or removes (sign -1) the pairs of word {@code w}, weighted by its count. */
    private void addPairs(int w, int sign) {
        int[] word = words.get(w);
        long weight = (long) sign * counts.get(w);
        for (int i = 0; i + 1 < word.length; i++) {
            long key = ((long) word[i] << 32) | word[i + 1];
            long c = pairCounts.getOrDefault(key, 0L) + weight;
            if (c == 0) pairCounts.remove(key);
            else pairCounts.put(key, c);
            if (sign > 0) pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(w);
        }
    }

    private static boolean contains(int[] word, int left, int right) {
        for (int i = 0; i + 1 < word.length; i++) if (word[i] == left && word[i + 1] == right) return true;
        return false;
    }

    private String concat(long pair) { return tokens.get((int) (pair >>> 32)) + tokens.get((int) pair); }

    private void addToken(String token) {
        tokens.add(token);
        taken.add(token);
    }
}
