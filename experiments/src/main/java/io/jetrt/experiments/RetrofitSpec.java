package io.jetrt.experiments;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A variant's {@code "retrofit"}: its swapped-in blocks are trained by blockwise distillation from the base model
 * ({@code jetrt retrofit}) before any row runs, and the variant is measured with the trained weights.
 *
 * @param data        the training text or .ids file (relative paths from the experiment file's directory);
 *                    {@code dataWritten} as the file gives it, for the config hash (a moved experiment keeps its hash)
 * @param tokenizer   where vocab.json is, when the base model has none (null: the base model's)
 * @param seed        initialisation and data order; the experiment's init_seed unless given
 * @param klTokens    tokens of the KL stage through the whole model (0: none), at peak learning rate {@code klLr}
 */
public record RetrofitSpec(@JsonSerialize(using = ToStringSerializer.class) Path data, String dataWritten, long tokens, long seed,
                           int seqLen, int batch, double lr, @JsonSerialize(using = ToStringSerializer.class) Path tokenizer,
                           String tokenizerWritten, long klTokens, double klLr) {

    static final List<String> FIELDS = List.of("data", "tokens", "seed", "seq_len", "batch", "lr", "tokenizer", "kl_tokens", "kl_lr");

    /** As the experiment file gives it (paths as written), for the config hash and results.json. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", dataWritten);
        m.put("tokens", tokens);
        m.put("seed", seed);
        m.put("seq_len", seqLen);
        m.put("batch", batch);
        m.put("lr", lr);
        if (tokenizer != null) m.put("tokenizer", tokenizerWritten);
        if (klTokens > 0) {
            m.put("kl_tokens", klTokens);
            m.put("kl_lr", klLr);
        }
        return m;
    }

    /**
     * Everything that decides the trained weights besides the base model and the overrides, for the cache key: the data
     * by its content, so an edited file trains again.
     */
    String identity() {
        return "data " + contentHash(data) + " tokens " + tokens + " seed " + seed + " seq " + seqLen + " batch " + batch + " lr " + lr
                + " tokenizer " + (tokenizer == null ? "-" : tokenizer.toAbsolutePath().normalize())
                + (klTokens > 0 ? " kl " + klTokens + " " + klLr : "");
    }

    private static String contentHash(Path file) {
        try {
            return HexFormat.of().formatHex(WeightDigest.messageDigest().digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the retrofit data " + file, e);
        }
    }
}
