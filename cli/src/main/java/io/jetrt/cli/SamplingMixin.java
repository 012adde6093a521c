package io.jetrt.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.tokenizer.Qwen2Tokenizer;
import io.jetrt.runtime.engine.SamplingParams;
import picocli.CommandLine.Option;

import java.util.HashSet;
import java.util.Set;

/**
 * Sampling from the command line over the checkpoint's generation_config.json: --temperature, --top-k,
 * --top-p override it one by one (null: not given), --greedy switches sampling off, --seed seeds the draws.
 */
final class SamplingMixin {
    @Option(names = "--temperature", paramLabel = "T", description = "sampling temperature (default: generation_config.json's)")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "sample among the K most likely tokens (default: generation_config.json's)")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "sample within the smallest set of probability P (default: generation_config.json's)")
    Double topP;

    @Option(names = "--greedy", description = "always the most likely token, whatever generation_config.json says")
    boolean greedy;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of the draws (default: ${DEFAULT-VALUE})")
    long seed;

    /** The checkpoint's sampling ({@code gen}; greedy without one) with the options given here over it. */
    SamplingParams params(GenerationConfig gen) {
        boolean sample = gen.doSample() && !greedy;
        return new SamplingParams(temperature != null ? temperature : sample ? gen.temperature() : 0,
                topK != null ? topK : sample ? gen.topK() : 0, topP != null ? topP : sample ? gen.topP() : 1.0, seed);
    }

    /** Where generation stops: the checkpoint's eos ids, the tokenizer's stop tokens, else the config's eos. */
    static Set<Integer> stopIds(GenerationConfig gen, Qwen2Tokenizer tok, ModelConfig config) {
        Set<Integer> stops = new HashSet<>(gen.eosTokenIds());
        if (tok != null) stops.addAll(tok.stopIds());
        else if (config.eosTokenId() >= 0) stops.add(config.eosTokenId());
        return stops;
    }
}
