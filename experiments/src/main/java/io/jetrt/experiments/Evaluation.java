package io.jetrt.experiments;

import java.nio.file.Path;

/**
 * The text perplexity is measured on: a file or inline text, cut to {@code maxTokens} tokens and fed in
 * chunks of {@code chunk} tokens that continue one sequence (so a recurrent block keeps its state).
 *
 * @param file the text file (resolved against the experiment file), or null when {@code text} is inline
 */
public record Evaluation(Path file, String text, int maxTokens, int chunk, String written) {}
