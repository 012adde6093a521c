package io.jetrt.loader.config;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint's {@code generation_config.json}: how its authors want it sampled. Without the file, or with
 * {@code do_sample} false, decoding is greedy, as in Hugging Face. Values a user passes on the command line
 * take precedence.
 *
 * @param eosTokenIds every id listed as {@code eos_token_id} (a number or a list)
 */
public record GenerationConfig(boolean doSample, double temperature, int topK, double topP, Set<Integer> eosTokenIds) {

    public static final GenerationConfig GREEDY = new GenerationConfig(false, 1.0, 0, 1.0, Set.of());

    /** The directory's generation_config.json, or {@link #GREEDY} when there is none. */
    public static GenerationConfig load(Path dir) {
        Path file = dir.resolve("generation_config.json");
        if (!Files.exists(file)) return GREEDY;
        Map<String, Object> j;
        try {
            j = Json.parseObject(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        } catch (JsonException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage());
        }
        Object sample = j.getOrDefault("do_sample", false);
        if (!(sample instanceof Boolean doSample)) throw new ConfigException(file + ": do_sample must be true or false; got " + sample);
        double temperature = number(file, j, "temperature", 1.0), topK = number(file, j, "top_k", 0), topP = number(file, j, "top_p", 1.0);
        if (!(temperature > 0)) throw new ConfigException(file + ": temperature must be > 0; got " + temperature);
        if (topK < 0 || topK != Math.rint(topK)) throw new ConfigException(file + ": top_k must be a whole number >= 0; got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new ConfigException(file + ": top_p must be in (0, 1]; got " + topP);
        return new GenerationConfig(doSample, temperature, (int) topK, topP, ids(file, j.get("eos_token_id")));
    }

    private static double number(Path file, Map<String, Object> j, String key, double fallback) {
        Object v = j.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw new ConfigException(file + ": " + key + " must be a number; got " + v);
    }

    private static Set<Integer> ids(Path file, Object v) {
        Set<Integer> out = new LinkedHashSet<>();
        if (v == null) return out;
        for (Object o : v instanceof List<?> l ? l : List.of(v)) {
            if (!(o instanceof Long id)) throw new ConfigException(file + ": eos_token_id must be an integer or a list of integers; got " + v);
            out.add(id.intValue());
        }
        return out;
    }
}
