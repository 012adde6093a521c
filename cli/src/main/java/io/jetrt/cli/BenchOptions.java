package io.jetrt.cli;

import io.jetrt.runtime.model.ComposeOptions;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code jetrt bench} measures: every {@code batches} × {@code promptLens} combination of the model at
 * {@code model} (the tiny demo model when null), composed with {@code compose}; {@code gen} decode steps; the prompt
 * prefilled in chunks of at most {@code prefillRows} rows ({@code [B, chunk]} with B × chunk ≤ prefillRows); with
 * {@code profile}, device time per kernel; with {@code json} non-null, the rows written there as a JSON array. With
 * {@code syntheticFill}, no prefill: each context is a fresh state filled with synthetic values, and decode alone is timed.
 */
record BenchOptions(Path model, ComposeOptions compose, List<Integer> batches, List<Integer> promptLens, int gen, int prefillRows,
                    boolean profile, Path json, boolean syntheticFill) {
    BenchOptions {
        batches = List.copyOf(batches);
        promptLens = List.copyOf(promptLens);
        for (int b : batches) if (b < 1) throw new IllegalArgumentException("--batch must be >= 1; got " + b);
        for (int p : promptLens) if (p < 1) throw new IllegalArgumentException("--prompt-len must be >= 1; got " + p);
        if (gen < 1) throw new IllegalArgumentException("--gen must be >= 1; got " + gen);
        if (prefillRows < 1) throw new IllegalArgumentException("--prefill-rows must be >= 1; got " + prefillRows);
    }
}
