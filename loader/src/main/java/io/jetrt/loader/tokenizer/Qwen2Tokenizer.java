package io.jetrt.loader.tokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The Qwen2 (Qwen2.5) tokenizer: byte-level BPE as Hugging Face runs it. Encoding first cuts the text at
 * added tokens ({@code <|im_start|>} and friends, matched literally), then NFC-normalises each stretch in
 * between, splits it with the Qwen2 pattern ({@link PreTokenizer}) and applies the BPE merges to each
 * piece's UTF-8 bytes. Decoding maps tokens back to bytes and reads them as UTF-8, with U+FFFD for
 * ill-formed bytes. No special tokens are added by {@link #encode}.
 *
 * <p>Instances are immutable apart from an internal cache and safe to share between threads.
 */
public final class Qwen2Tokenizer {
    private static final String IM_END = "<|im_end|>";

    private final Map<String, Integer> vocab;
    /** id → token text (byte-alphabet form for vocabulary tokens, content for added ones); null for gaps. */
    private final String[] tokens;
    private final AddedTokens added;
    private final BpeModel bpe;
    private final int eosId;
    private final int imEndId;

    private Qwen2Tokenizer(Map<String, Integer> vocab, String[] tokens, AddedTokens added, BpeModel bpe,
                           int eosId, int imEndId) {
        this.vocab = vocab;
        this.tokens = tokens;
        this.added = added;
        this.bpe = bpe;
        this.eosId = eosId;
        this.imEndId = imEndId;
    }

    /**
     * Loads {@code vocab.json}, {@code merges.txt} and {@code tokenizer_config.json} (its
     * {@code added_tokens_decoder} and {@code eos_token}) from {@code dir}.
     *
     * @throws TokenizerFileException naming the file when one is missing or malformed
     * @throws IOException            when reading fails otherwise
     */
    public static Qwen2Tokenizer load(Path dir) throws IOException {
        Path vocabFile = dir.resolve("vocab.json");
        Path configFile = dir.resolve("tokenizer_config.json");
        Map<String, Integer> vocab = TokenizerFiles.readVocab(vocabFile);
        MergeTable merges = TokenizerFiles.readMerges(dir.resolve("merges.txt"), vocab);
        Map<String, Object> config = TokenizerFiles.readJsonObject(configFile);
        List<AddedTokens.Token> addedList = TokenizerFiles.readAddedTokens(configFile, config);
        AddedTokens added;
        try {
            added = new AddedTokens(addedList);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFileException(configFile, "added_tokens_decoder: " + e.getMessage(), e);
        }

        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        for (AddedTokens.Token t : addedList) maxId = Math.max(maxId, t.id());
        String[] tokens = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) tokens[e.getValue()] = e.getKey();
        for (AddedTokens.Token t : addedList) tokens[t.id()] = t.content(); // an added token wins its id

        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteAlphabet.charOf(b)));
            if (id == null)
                throw new TokenizerFileException(vocabFile, String.format(
                        "no token for byte 0x%02X (\"%c\"); a byte-level vocabulary needs all 256", b, ByteAlphabet.charOf(b)));
            byteIds[b] = id;
        }

        String eos = TokenizerFiles.namedToken(configFile, config, "eos_token");
        if (eos == null) throw new TokenizerFileException(configFile, "eos_token is missing");
        OptionalInt eosId = lookup(vocab, added, eos);
        if (eosId.isEmpty()) throw new TokenizerFileException(configFile, "eos_token \"" + eos + "\" is not a known token");
        return new Qwen2Tokenizer(vocab, tokens, added, new BpeModel(byteIds, merges), eosId.getAsInt(),
                lookup(vocab, added, IM_END).orElse(-1));
    }

    /** The token ids of {@code text}; added tokens written in the text become their single ids. */
    public int[] encode(String text) {
        IntStream.Builder out = IntStream.builder();
        added.split(text, plain -> encodePlain(plain, out), out::add);
        return out.build().toArray();
    }

    private void encodePlain(String text, IntStream.Builder out) {
        for (String piece : PreTokenizer.split(Normalizer.normalize(text, Normalizer.Form.NFC))) bpe.encode(piece, out);
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(int[] ids) { return decode(ids, false); }

    /**
     * The text of {@code ids}. Ids that name no token are skipped, as Hugging Face does (a model's
     * embedding table is often padded past the vocabulary).
     *
     * @param skipSpecial leave out added tokens marked special ({@code <|im_end|>}, …)
     */
    public String decode(int[] ids, boolean skipSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) appendBytes(id, skipSpecial, bytes);
        return Utf8.decode(bytes.toByteArray());
    }

    /** Writes the bytes of token {@code id} to {@code out}; nothing for unknown ids and skipped specials. */
    void appendBytes(int id, boolean skipSpecial, ByteArrayOutputStream out) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) return;
        AddedTokens.Token a = added.byId(id);
        if (a != null) {
            if (!(skipSpecial && a.special())) out.writeBytes(a.content().getBytes(StandardCharsets.UTF_8));
            return;
        }
        String t = tokens[id];
        for (int i = 0; i < t.length(); i++) {
            int b = ByteAlphabet.byteOf(t.charAt(i));
            if (b >= 0) out.write(b);
            else out.writeBytes(String.valueOf(t.charAt(i)).getBytes(StandardCharsets.UTF_8)); // not byte-level: as is
        }
    }

    /**
     * The token text of {@code id}: the vocabulary entry in the byte alphabet (a leading space shows as
     * 'Ġ') or the content of an added token.
     *
     * @throws IllegalArgumentException when no token has this id
     */
    public String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null)
            throw new IllegalArgumentException("no token has id " + id + " (vocabulary size " + tokens.length + ")");
        return tokens[id];
    }

    /** The id of a token given in the form {@link #token} returns; added tokens first. */
    public OptionalInt id(String token) { return lookup(vocab, added, token); }

    private static OptionalInt lookup(Map<String, Integer> vocab, AddedTokens added, String token) {
        OptionalInt a = added.id(token);
        if (a.isPresent()) return a;
        Integer v = vocab.get(token);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /** The largest id plus one, added tokens included (151665 for Qwen2.5; its models pad embeddings further). */
    public int vocabSize() { return tokens.length; }

    /** The id of tokenizer_config's {@code eos_token} ({@code <|endoftext|>} = 151643 for Qwen2.5). */
    public int eosId() { return eosId; }

    /** The id of {@code <|im_end|>}, or -1 when the vocabulary has none. */
    public int imEndId() { return imEndId; }

    /** The ids that end generation: {@link #eosId} and, when present, {@link #imEndId}. */
    public Set<Integer> stopIds() {
        Set<Integer> s = new LinkedHashSet<>();
        s.add(eosId);
        if (imEndId >= 0) s.add(imEndId);
        return Collections.unmodifiableSet(s);
    }

    /** Whether {@code id} is an added token marked special (decoding can skip those). */
    public boolean isSpecial(int id) {
        AddedTokens.Token a = added.byId(id);
        return a != null && a.special();
    }

    /** A decoder for ids that arrive one at a time; see {@link StreamingDecoder}. */
    public StreamingDecoder streamingDecoder(boolean skipSpecial) { return new StreamingDecoder(this, skipSpecial); }
}
