package io.jetrt.loader.config;

import io.jetrt.loader.json.Json;
import io.jetrt.loader.json.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code config.json} of a Jet-Nemotron (or plain Qwen2) decoder. {@code layerTypes} holds
 * one block type id per layer ({@code jet}, {@code attn}, {@code swa}; a Qwen2 config without
 * {@code layer_types} is all {@code attn}); {@code blockConfigs} the {@code efficient_attention_config}
 * sections by type.
 *
 * @param headDim attention head dim: {@code head_dim} if present, else hidden_size / num_attention_heads
 */
public record ModelConfig(String source, String modelType, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, int vocabSize, double ropeTheta,
                          double rmsNormEps, boolean tieWordEmbeddings, List<String> layerTypes,
                          Map<String, Map<String, Object>> blockConfigs, int eosTokenId, int maxPositions,
                          double initializerRange) {

    public ModelConfig {
        layerTypes = List.copyOf(layerTypes);
        blockConfigs = Collections.unmodifiableMap(new LinkedHashMap<>(blockConfigs));
    }

    public static ModelConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
        try {
            return parse(file.toString(), Json.parseObject(text));
        } catch (JsonException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    public static ModelConfig parse(String source, Map<String, Object> j) {
        Fields f = new Fields(source, j);
        int hidden = f.positiveInt("hidden_size");
        int layers = f.positiveInt("num_hidden_layers");
        int heads = f.positiveInt("num_attention_heads");
        int kvHeads = j.get("num_key_value_heads") != null ? f.positiveInt("num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw new ConfigException(source + ": num_key_value_heads must divide num_attention_heads (" + heads + "); got " + kvHeads);
        }
        if (j.get("head_dim") == null && hidden % heads != 0) {
            throw new ConfigException(source + ": hidden_size must be divisible by num_attention_heads (" + heads
                    + ") when head_dim is absent; got " + hidden);
        }
        int headDim = j.get("head_dim") != null ? f.positiveInt("head_dim") : hidden / heads;
        List<String> types = new ArrayList<>();
        Object lt = j.get("layer_types");
        if (lt == null) {
            for (int i = 0; i < layers; i++) types.add("attn");
        } else if (lt instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s) || s.isBlank()) {
                    throw new ConfigException(source + ": layer_types must hold type names; got " + o);
                }
                types.add(s);
            }
        } else {
            throw new ConfigException(source + ": layer_types must be a list; got " + Json.kind(lt));
        }
        if (types.size() != layers) {
            throw new ConfigException(source + ": layer_types must have num_hidden_layers (" + layers + ") entries; got " + types.size());
        }
        Map<String, Map<String, Object>> blocks = new LinkedHashMap<>();
        Object eac = j.get("efficient_attention_config");
        if (eac instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof Map)) {
                    throw new ConfigException(source + ": efficient_attention_config." + e.getKey() + " must be an object; got " + Json.kind(e.getValue()));
                }
                blocks.put((String) e.getKey(), (Map<String, Object>) e.getValue());
            }
        } else if (eac != null) {
            throw new ConfigException(source + ": efficient_attention_config must be an object; got " + Json.kind(eac));
        }
        return new ModelConfig(source, f.string("model_type", "qwen2"), hidden, f.positiveInt("intermediate_size"),
                layers, heads, kvHeads, headDim, f.positiveInt("vocab_size"), f.positive("rope_theta", 10000.0),
                f.positive("rms_norm_eps", 1e-6), f.bool("tie_word_embeddings", false), types, blocks,
                f.intOr("eos_token_id", -1), f.intOr("max_position_embeddings", 32768),
                f.number("initializer_range", 0.02));
    }

    /** The {@code efficient_attention_config} section for a block type, or an empty map. */
    public Map<String, Object> blockSection(String type) {
        return blockConfigs.getOrDefault(type, Map.of());
    }

    /** Reads typed fields with errors that name the file and field. */
    private record Fields(String source, Map<String, Object> j) {
        int positiveInt(String key) {
            Object v = j.get(key);
            if (v instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) return l.intValue();
            throw new ConfigException(source + ": " + key + " must be a positive integer; got " + (v == null ? "nothing" : v));
        }

        int intOr(String key, int fallback) {
            Object v = j.get(key);
            if (v == null) return fallback;
            if (v instanceof Long l) return l.intValue();
            if (v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long first) return first.intValue();
            throw new ConfigException(source + ": " + key + " must be an integer; got " + v);
        }

        double number(String key, double fallback) {
            Object v = j.get(key);
            if (v == null) return fallback;
            if (v instanceof Number n) return n.doubleValue();
            throw new ConfigException(source + ": " + key + " must be a number; got " + v);
        }

        double positive(String key, double fallback) {
            double v = number(key, fallback);
            if (!(v > 0) || Double.isInfinite(v)) throw new ConfigException(source + ": " + key + " must be a finite number > 0; got " + v);
            return v;
        }

        boolean bool(String key, boolean fallback) {
            Object v = j.get(key);
            if (v == null) return fallback;
            if (v instanceof Boolean b) return b;
            throw new ConfigException(source + ": " + key + " must be true or false; got " + v);
        }

        String string(String key, String fallback) {
            Object v = j.get(key);
            return v instanceof String s ? s : fallback;
        }
    }
}
