package io.jetrt.experiments;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * One timed shape: {@code batch} sequences of {@code prompt} tokens each, then {@code gen} new tokens each
 * (the first from the prefill's logits, the rest from {@code gen - 1} decode steps). In a row's JSON its
 * fields are {@code prompt_len}, {@code gen_len}, {@code batch} (a number, or {@code "max"}) and, for a
 * synthetic context, {@code fill}.
 *
 * @param batch {@link #LARGEST} for the largest batch that fits the device (or the heap)
 * @param fill  {@link #PREFILL}: the prompt is prefilled (and timed); {@link #SYNTHETIC}: the states and caches are
 *              filled to {@code prompt} tokens with synthetic values and only the decode is timed
 * @param capBatch when the batch does not fit: run the largest that does (true) or skip the row (false)
 */
public record Workload(@JsonProperty("prompt_len") int prompt, @JsonProperty("gen_len") int gen,
                       @JsonSerialize(using = BatchJson.Writer.class) @JsonDeserialize(using = BatchJson.Reader.class) int batch,
                       @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = PrefillFilter.class) String fill,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean capBatch) {
    public static final int LARGEST = 0;
    public static final String PREFILL = "prefill", SYNTHETIC = "synthetic";

    public Workload {
        if (fill == null) fill = PREFILL;
    }

    public Workload(int prompt, int gen, int batch) { this(prompt, gen, batch, PREFILL, false); }

    /** "p64-g16-b1", "p65536-g16-b128-cap-synthetic", "p4096-g16-bmax": part of a row id. */
    public String id() {
        return "p" + prompt + "-g" + gen + "-b" + (largest() ? "max" : String.valueOf(batch)) + (capBatch ? "-cap" : "")
                + (synthetic() ? "-synthetic" : "");
    }

    /** Tokens each sequence holds at the end: the state is sized for this. */
    public int context() { return prompt + gen; }

    @JsonIgnore
    public boolean largest() { return batch == LARGEST; }

    @JsonIgnore
    public boolean synthetic() { return fill.equals(SYNTHETIC); }

    /** Leaves {@code fill} out of the JSON when it is the default, so rows written before it existed read and hash the same. */
    static final class PrefillFilter {
        @Override public boolean equals(Object o) { return o == null || PREFILL.equals(o); }

        @Override public int hashCode() { return 0; }
    }
}
