package io.jetrt.experiments;

import java.nio.file.Path;

/**
 * The comparison {@code jetrt compare} runs without a file: the embedded demo model (random weights) as
 * JetBlock, with every JetBlock layer swapped for Mamba2 or gated DeltaNet, and with full attention in
 * every layer, on the CPU at three prompt lengths, with perplexity on a paragraph. It runs in seconds.
 */
public final class DefaultExperiment {
    private DefaultExperiment() {}

    public static final String JSON = """
            {
              "name": "default-comparison",
              "model": {"demo": "tiny", "seed": 20251126},
              "variants": [
                {"name": "jetblock", "overrides": ""},
                {"name": "mamba2", "overrides": "jet:mamba2"},
                {"name": "gdn", "overrides": "jet:gdn"},
                {"name": "full-attn", "overrides": "*:attn"}
              ],
              "workloads": {"prompt_lengths": [32, 128, 512], "generation_lengths": [32], "batch_sizes": [1]},
              "backends": ["cpu"],
              "repetitions": 3,
              "warmup": 2,
              "seed": 1,
              "init_seed": 7,
              "context_lengths": [256, 1024, 4096, 16384, 65536],
              "evaluation": {
                "text": "A hybrid language model keeps a few attention layers and replaces the rest with linear-time blocks. A JetBlock mixes tokens with a dynamic convolution on the values and a gated delta rule on a recurrent state, so its memory per sequence stays fixed however long the context grows. Mamba2 and gated DeltaNet make the same trade in other ways; full attention keeps every key and value and pays for it in memory.",
                "max_tokens": 256
              }
            }
            """;

    /** The default experiment, its output going to {@code out}. */
    public static Experiment get(Path out) {
        return ExperimentParser.parse(JSON, "(built-in default experiment)", Path.of("").toAbsolutePath(), "default-comparison", out);
    }
}
