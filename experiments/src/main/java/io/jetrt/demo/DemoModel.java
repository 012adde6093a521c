package io.jetrt.demo;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jetrt.experiments.Mappers;
import io.jetrt.blocks.common.Init;
import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.loader.tokenizer.BpeTrainer;
import io.jetrt.runtime.host.BlockRegistry;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.model.BlockConfigs;
import io.jetrt.spi.DType;
import io.jetrt.spi.FloatTensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded default model: a small Jet-Nemotron-shaped decoder (layers jet, swa, jet, attn, jet, swa)
 * with random weights, written on the fly as a Hugging Face directory — config.json, a BF16
 * model.safetensors and a byte-level BPE tokenizer trained on a paragraph shipped with the runtime — so that
 * the whole path runs without any download. Block weights come from each provider's upstream init.
 */
public final class DemoModel {
    private static final int MERGES = 253; // 256 bytes + 253 merges + 3 special tokens = 512 ids
    /** Ids of the demo tokenizer. */
    public static final int VOCAB = 256 + MERGES + BpeTrainer.SPECIAL_TOKENS.size();

    private DemoModel() {}

    /** The shapes the demo writer knows: the small default, and Jet-Nemotron-2B's (BLOCKS.md §1) for benchmarks. */
    public enum Shape { TINY, JET_2B }

    public static Path write(Path dir, BlockRegistry registry, long seed) { return write(dir, registry, seed, Shape.TINY); }

    /** The tiny demo model in a new temporary directory, deleted when the JVM exits. */
    public static Path writeTemporary(BlockRegistry registry, long seed, Shape shape) {
        try {
            Path dir = Files.createTempDirectory("jetrt-demo-model");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> io.jetrt.runtime.host.Trees.deleteQuietly(dir)));
            return write(dir, registry, seed, shape);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the demo model", e);
        }
    }

    /**
     * Writes the model; for {@link Shape#JET_2B} the same small tokenizer is written (its ids are valid in the
     * 2B vocabulary), so prompts still tokenize, and the weights take about 4 GB as BF16.
     */
    public static Path write(Path dir, BlockRegistry registry, long seed, Shape shape) {
        return write(dir, registry, seed, config(shape));
    }

    /** The config.json text of a shape, e.g. to check overrides against it before writing gigabytes. */
    public static String config(Shape shape) { return shape == Shape.TINY ? configJson(VOCAB) : JET_2B_CONFIG; }

    /**
     * Writes a model of any {@code config.json} text with random weights from {@code seed}, beside the demo
     * tokenizer (its {@link #VOCAB} ids fit any vocabulary at least that large).
     */
    public static Path write(Path dir, BlockRegistry registry, long seed, String configJson) {
        try {
            Files.createDirectories(dir);
            BpeTrainer.train(corpus(), MERGES, dir);
            Files.writeString(dir.resolve("config.json"), configJson);
            ModelConfig cfg = ModelConfig.parse(dir.resolve("config.json").toString(), Json.parseObject(configJson));
            // random weights make greedy decoding echo one token: sample, as a generation_config.json may ask
            Files.writeString(dir.resolve("generation_config.json"),
                    Mappers.line(new Sampling(true, 0.8, 40, 0.95, cfg.eosTokenId())) + "\n");
            writeWeights(dir.resolve("model.safetensors"), cfg, registry, seed);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model to " + dir, e);
        }
    }

    /** generation_config.json's sampling fields, as Hugging Face names them. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Sampling(boolean doSample, double temperature, int topK, double topP, int eosTokenId) {}

    private static void writeWeights(Path file, ModelConfig cfg, BlockRegistry registry, long seed) {
        Init init = new Init(seed);
        int d = cfg.hiddenSize(), inter = cfg.intermediateSize();
        double std = cfg.initializerRange();
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("jetrt", "demo model, random weights, seed " + seed);
        w.add(HfNames.EMBED, init.normal(std, cfg.vocabSize(), d), DType.BF16);
        w.add(HfNames.FINAL_NORM, Init.ones(d), DType.BF16);
        for (int i = 0; i < cfg.numLayers(); i++) {
            w.add(HfNames.inputNorm(i), Init.ones(d), DType.BF16);
            w.add(HfNames.postNorm(i), Init.ones(d), DType.BF16);
            w.add(HfNames.gateProj(i), init.normal(std, inter, d), DType.BF16);
            w.add(HfNames.upProj(i), init.normal(std, inter, d), DType.BF16);
            w.add(HfNames.downProj(i), init.normal(std, d, inter), DType.BF16);
            String type = cfg.layerTypes().get(i);
            int layer = i;
            ProviderBinding b = registry.find(type).orElseThrow(() -> new IllegalStateException(
                    "demo model: no installed bundle offers block type '" + type + "' for layer " + layer));
            Map<String, FloatTensor> block = b.provider().initWeights(BlockConfigs.forLayer(cfg, i, type), seed * 31 + i);
            for (Map.Entry<String, FloatTensor> e : block.entrySet()) w.add(HfNames.blockPrefix(i) + e.getKey(), e.getValue(), DType.BF16);
        }
        w.write(file);
    }

    private static String configJson(int vocab) {
        return """
            {
              "architectures": ["JetNemotronForCausalLM"],
              "model_type": "jet_nemotron",
              "hidden_size": 128,
              "intermediate_size": 256,
              "num_hidden_layers": 6,
              "num_attention_heads": 4,
              "num_key_value_heads": 2,
              "layer_types": ["jet", "swa", "jet", "attn", "jet", "swa"],
              "efficient_attention_config": {
                "jet": {"num_heads": 4, "head_dim": 32, "expand_v": 2.0, "conv_size": 4, "dconv_generator_reduction": 8, "norm_eps": "1e-5"},
                "swa": {"window_size": 64}
              },
              "vocab_size": %d,
              "rope_theta": 1000000.0,
              "rms_norm_eps": 1e-06,
              "tie_word_embeddings": true,
              "initializer_range": 0.02,
              "max_position_embeddings": 4096,
              "eos_token_id": %d,
              "torch_dtype": "bfloat16"
            }
            """.formatted(vocab, 256 + MERGES);
    }

    /** Jet-Nemotron-2B's config.json fields (BLOCKS.md §1), eos set to the demo tokenizer's. */
    private static final String JET_2B_CONFIG = """
            {
              "architectures": ["JetNemotronForCausalLM"],
              "model_type": "jet_nemotron",
              "hidden_size": 1536,
              "intermediate_size": 8960,
              "num_hidden_layers": 28,
              "num_attention_heads": 12,
              "num_key_value_heads": 2,
              "layer_types": ["jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet", "jet",
                              "attn", "jet", "jet", "jet", "jet", "attn", "swa", "swa", "jet", "jet", "jet", "jet", "jet", "jet"],
              "efficient_attention_config": {
                "jet": {"num_heads": 12, "head_dim": 96, "expand_v": 2.6666666667, "conv_size": 4, "dconv_generator_reduction": 8, "norm_eps": "1e-5"},
                "swa": {"window_size": 1152}
              },
              "vocab_size": 151936,
              "rope_theta": 1000000.0,
              "rms_norm_eps": 1e-06,
              "tie_word_embeddings": true,
              "initializer_range": 0.02,
              "max_position_embeddings": 131072,
              "eos_token_id": 151643,
              "torch_dtype": "bfloat16"
            }
            """;

    private static String corpus() throws IOException {
        try (InputStream in = DemoModel.class.getResourceAsStream("corpus.txt")) {
            if (in == null) throw new IOException("resource corpus.txt is missing from the runtime jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
