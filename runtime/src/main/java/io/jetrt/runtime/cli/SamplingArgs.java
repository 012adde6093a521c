package io.jetrt.runtime.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.runtime.engine.SamplingParams;

import java.util.Set;

/**
 * Sampling from the command line over the checkpoint's generation_config.json: --temperature, --top-k,
 * --top-p override it one by one, --greedy switches sampling off, --seed seeds the draws.
 */
final class SamplingArgs {
    static final Set<String> NAMES = Set.of("temperature", "top-k", "top-p", "seed", "greedy");

    private SamplingArgs() {}

    static SamplingParams from(Args args, GenerationConfig gen) {
        boolean sample = gen.doSample() && !args.has("greedy");
        return new SamplingParams(args.number("temperature", sample ? gen.temperature() : 0),
                args.integer("top-k", sample ? gen.topK() : 0), args.number("top-p", sample ? gen.topP() : 1.0), args.integer("seed", 0));
    }
}
