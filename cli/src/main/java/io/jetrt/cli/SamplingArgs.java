package io.jetrt.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.tokenizer.Qwen2Tokenizer;
import io.jetrt.runtime.engine.SamplingParams;

import java.util.Set;

/**
 * Sampling from the command line over the checkpoint's generation_config.json: --temperature, --top-k,
 * --top-p override it one by one, --greedy switches sampling off, --seed seeds the draws.
 */
final class SamplingArgs {
    static final Set<String> NAMES = Set.of("temperature", "top-k", "top-p", "seed", "greedy");

    private SamplingArgs() {}

    /** {@code own} options and the sampling options. */
    static Set<String> plus(Set<String> own) {
        Set<String> all = new java.util.HashSet<>(own);
        all.addAll(NAMES);
        return all;
    }

    /** Where generation stops: the checkpoint's eos ids, the tokenizer's stop tokens, else the config's eos. */
    static Set<Integer> stopIds(GenerationConfig gen, Qwen2Tokenizer tok, ModelConfig config) {
        Set<Integer> stops = new java.util.HashSet<>(gen.eosTokenIds());
        if (tok != null) stops.addAll(tok.stopIds());
        else if (config.eosTokenId() >= 0) stops.add(config.eosTokenId());
        return stops;
    }

    static SamplingParams from(Args args, GenerationConfig gen) {
        boolean sample = gen.doSample() && !args.has("greedy");
        return new SamplingParams(args.number("temperature", sample ? gen.temperature() : 0),
                args.integer("top-k", sample ? gen.topK() : 0), args.number("top-p", sample ? gen.topP() : 1.0), args.integer("seed", 0));
    }
}
