package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One timed shape: {@code batch} sequences of {@code prompt} tokens each, then {@code gen} new tokens each
 * (the first from the prefill's logits, the rest from {@code gen - 1} decode steps). In a row's JSON its
 * fields are {@code prompt_len}, {@code gen_len} and {@code batch}.
 */
public record Workload(@JsonProperty("prompt_len") int prompt, @JsonProperty("gen_len") int gen, int batch) {

    /** "p64-g16-b1": part of a row id. */
    public String id() { return "p" + prompt + "-g" + gen + "-b" + batch; }

    /** Tokens each sequence holds at the end: the state is sized for this. */
    public int context() { return prompt + gen; }
}
