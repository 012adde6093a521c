package io.jetrt.loader.tokenizer;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the files of a Hugging Face byte-level BPE tokenizer directory (vocab.json, merges.txt,
 * tokenizer_config.json). Every problem becomes a {@link TokenizerFileException} naming the file and,
 * where it helps, the line or key.
 */
final class TokenizerFiles {
    /** Ids must stay below this: ids index arrays, and no real vocabulary comes near it. */
    static final int MAX_ID = 1 << 24;

    private TokenizerFiles() {}

    /** The whole file as strict UTF-8. */
    static String readText(Path file) throws TokenizerFileException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TokenizerFileException(file, "file is missing", e);
        } catch (CharacterCodingException e) {
            throw new TokenizerFileException(file, "not valid UTF-8", e);
        } catch (IOException e) {
            throw new TokenizerFileException(file, "cannot be read: " + e, e);
        }
    }

    /** The file's top-level JSON object. */
    static Map<String, Object> readJsonObject(Path file) throws TokenizerFileException {
        String text = readText(file);
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw new TokenizerFileException(file, "bad JSON: " + e.getMessage(), e);
        }
    }

    /** vocab.json: token → id, ids non-negative and distinct. */
    static Map<String, Integer> readVocab(Path file) throws TokenizerFileException {
        Map<String, Object> json = readJsonObject(file);
        Map<String, Integer> vocab = HashMap.newHashMap(json.size());
        BitSet seen = new BitSet(json.size());
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (!(e.getValue() instanceof Long v) || v < 0 || v >= MAX_ID)
                throw new TokenizerFileException(file, "token \"" + e.getKey() + "\" has id " + e.getValue()
                        + "; expected an integer in [0, " + MAX_ID + ")");
            int id = (int) (long) v;
            if (seen.get(id)) throw new TokenizerFileException(file, "id " + id + " is used by both \""
                    + tokenWithId(vocab, id) + "\" and \"" + e.getKey() + "\"");
            seen.set(id);
            vocab.put(e.getKey(), id);
        }
        return vocab;
    }

    private static String tokenWithId(Map<String, Integer> vocab, int id) {
        for (Map.Entry<String, Integer> e : vocab.entrySet()) if (e.getValue() == id) return e.getKey();
        return "?";
    }

    /**
     * merges.txt: an optional {@code #version} line, then one merge per line, {@code left right}, highest
     * priority first. Both tokens and their concatenation must be in the vocabulary. Blank lines are skipped.
     */
    static MergeTable readMerges(Path file, Map<String, Integer> vocab) throws TokenizerFileException {
        String text = readText(file);
        MergeTable table = new MergeTable(countLines(text));
        int rank = 0;
        int lineNo = 0;
        for (int start = 0, end; start < text.length(); start = end + 1) {
            end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            lineNo++;
            int stop = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end; // tolerate CRLF files
            if (stop == start || (lineNo == 1 && text.startsWith("#version", start))) continue;
            int space = text.indexOf(' ', start);
            int second = space < 0 ? -1 : text.indexOf(' ', space + 1);
            if (space <= start || space >= stop - 1 || (second >= 0 && second < stop))
                throw new TokenizerFileException(file, "line " + lineNo + ": expected two tokens separated by one space, got \""
                        + text.substring(start, stop) + "\"");
            String left = text.substring(start, space);
            String right = text.substring(space + 1, stop);
            int a = known(file, lineNo, vocab, left);
            int b = known(file, lineNo, vocab, right);
            Integer result = vocab.get(left + right);
            if (result == null)
                throw new TokenizerFileException(file, "line " + lineNo + ": merged token \"" + left + right + "\" is not in vocab.json");
            if (!table.put(a, b, rank, result))
                throw new TokenizerFileException(file, "line " + lineNo + ": the merge \"" + left + " " + right + "\" appears twice");
            rank++;
        }
        return table;
    }

    private static int countLines(String text) {
        int n = 1;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
        return n;
    }

    private static int known(Path file, int lineNo, Map<String, Integer> vocab, String token)
            throws TokenizerFileException {
        Integer id = vocab.get(token);
        if (id == null) throw new TokenizerFileException(file, "line " + lineNo + ": unknown token \"" + token + "\" (not in vocab.json)");
        return id;
    }

    /** tokenizer_config.json's {@code added_tokens_decoder}: id → {content, special, ...}; absent means none. */
    static List<AddedTokens.Token> readAddedTokens(Path file, Map<String, Object> config) throws TokenizerFileException {
        List<AddedTokens.Token> tokens = new ArrayList<>();
        Object decoder = config.get("added_tokens_decoder");
        if (decoder == null) return tokens;
        if (!(decoder instanceof Map<?, ?> map))
            throw new TokenizerFileException(file, "added_tokens_decoder is " + Json.kind(decoder) + "; expected an object");
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            String where = "added_tokens_decoder[\"" + key + "\"]: ";
            int id;
            try {
                id = Integer.parseInt(key);
            } catch (NumberFormatException nfe) {
                throw new TokenizerFileException(file, where + "the key is not a token id");
            }
            if (id < 0 || id >= MAX_ID) throw new TokenizerFileException(file, where + "token id out of range [0, " + MAX_ID + ")");
            if (!(e.getValue() instanceof Map<?, ?> entry))
                throw new TokenizerFileException(file, where + "expected an object, got " + Json.kind(e.getValue()));
            if (!(entry.get("content") instanceof String content) || content.isEmpty())
                throw new TokenizerFileException(file, where + "\"content\" must be a non-empty string");
            Object special = entry.get("special");
            if (special != null && !(special instanceof Boolean))
                throw new TokenizerFileException(file, where + "\"special\" must be true or false");
            tokens.add(new AddedTokens.Token(id, content, Boolean.TRUE.equals(special)));
        }
        return tokens;
    }

    /**
     * A token named in tokenizer_config.json ({@code eos_token} and the like): a string, or an object with
     * {@code content} as older files write it; null when the key is absent or null.
     */
    static String namedToken(Path file, Map<String, Object> config, String key) throws TokenizerFileException {
        Object v = config.get(key);
        if (v == null || v instanceof String) return (String) v;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        throw new TokenizerFileException(file, key + " is " + Json.kind(v) + "; expected a string or {\"content\": ...}");
    }
}
