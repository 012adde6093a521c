package io.jetrt.experiments;

import java.nio.file.Path;

/**
 * The base model every variant starts from: a Hugging Face checkpoint directory, the embedded demo model
 * ({@code tiny} or {@code 2b}) with random weights from {@code seed}, or any {@code config.json} with random
 * weights from {@code seed}. Random models are written once into the output directory and reused.
 *
 * @param kind   {@code checkpoint}, {@code demo} or {@code config}
 * @param path   the checkpoint directory or config file (resolved against the experiment file), else null
 * @param shape  {@code tiny} or {@code 2b} for a demo model, else null
 * @param seed   weight seed of a random model (unused for a checkpoint)
 * @param written the path as written in the experiment file, for the report
 */
public record ModelSpec(String kind, Path path, String shape, long seed, String written) {}
