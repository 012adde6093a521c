package io.jetrt.tests;

import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.json.Json;
import io.jetrt.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs {@code jetrt compare} as a user would (through {@link Main#run}) and keeps what it printed and
 * wrote. {@link #standard()} is the comparison several test classes inspect, run once per JVM: the tiny
 * checkpoint as JetBlock, with its JetBlock layers as Mamba2 or gated DeltaNet, and full attention in every
 * layer, on the CPU and on CUDA (not built: those rows must come out unavailable).
 */
record CompareRun(int exit, String out, String err, Path dir) {

    static final List<String> VARIANTS = List.of("jetblock", "mamba2", "gdn", "full-attn");
    static final String EVAL_TEXT = "A JetBlock mixes tokens with a dynamic convolution on the values and a gated delta rule.";

    static final String STANDARD = """
            {
              "name": "tiny-four-ways",
              "model": {"checkpoint": "%s"},
              "variants": [
                {"name": "jetblock", "overrides": ""},
                {"name": "mamba2", "overrides": "jet:mamba2"},
                {"name": "gdn", "overrides": "jet:gdn"},
                {"name": "full-attn", "overrides": "*:attn"}
              ],
              "workloads": {"prompt_lengths": [8, 24], "generation_lengths": [5], "batch_sizes": [1, 2]},
              "backends": ["cpu", "cuda"],
              "repetitions": 2,
              "warmup": 1,
              "seed": 3,
              "init_seed": 7,
              "context_lengths": [16, 256, 4096],
              "evaluation": {"text": "%s", "max_tokens": 48, "chunk": 20}
            }
            """;

    private static CompareRun standard;

    /** A standard variant's layer types on the tiny checkpoint, worked out here from its overrides (not by the compare code). */
    static List<String> typesOf(String variant) {
        List<String> t = new java.util.ArrayList<>(ModelConfig.load(Fixtures.tinyJet().resolve("config.json")).layerTypes());
        switch (variant) {
            case "mamba2", "gdn" -> t.replaceAll(x -> x.equals("jet") ? variant : x);
            case "full-attn" -> t.replaceAll(x -> "attn");
            default -> { }
        }
        return t;
    }

    static synchronized CompareRun standard() {
        if (standard == null) {
            Path dir = fresh("standard");
            Path file = write(dir.resolve("tiny-four-ways.json"), STANDARD.formatted(Fixtures.tinyJet().toAbsolutePath(), EVAL_TEXT));
            standard = run(dir.resolve("out"), "compare", file.toString(), "--out", dir.resolve("out").toString());
            if (standard.exit() != 0) throw new AssertionError("compare failed: " + standard.err());
        }
        return standard;
    }

    /** Runs the CLI; {@code dir} is where the command writes. */
    static CompareRun run(Path dir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CompareRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), dir);
    }

    /** An empty directory under target/compare-tests, kept after the run for a look when a test fails. */
    static Path fresh(String name) {
        Path dir = Path.of("target", "compare-tests", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> report() { return Json.parseObject(read(dir.resolve("report.json"))); }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list(String key) { return (List<Map<String, Object>>) report().get(key); }

    @SuppressWarnings("unchecked")
    Map<String, Object> map(String key) { return (Map<String, Object>) report().get(key); }

    List<String> resultLines() {
        try {
            return Files.readAllLines(dir.resolve("results.jsonl"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
