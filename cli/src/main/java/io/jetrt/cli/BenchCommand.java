package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;

/** {@code jetrt bench}: its options parsed into {@link BenchOptions}, measured by {@link Bench}. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prefill and decode tokens/s next to this machine's floors, for every --batch x --prompt-len combination.",
                "Floors: FLOPs / the measured GEMM rate for prefill, weight and state bytes / the measured copy bandwidth for decode."
                        + " --json FILE writes the rows as a JSON array.",
                "Without --model: the embedded demo model."})
final class BenchCommand implements JetrtCommand {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face checkpoint directory (default: the demo model)")
    Path model;

    @Option(names = "--batch", paramLabel = "B", split = ",", defaultValue = "1",
            description = "batch sizes, comma-separated (default: ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--prompt-len", paramLabel = "N", split = ",", defaultValue = "256",
            description = "prompt (context) lengths, comma-separated (default: ${DEFAULT-VALUE})")
    List<Integer> promptLens;

    @Option(names = "--gen", paramLabel = "N", defaultValue = "16", description = "decode steps timed (default: ${DEFAULT-VALUE})")
    int gen;

    @Option(names = "--prefill-rows", paramLabel = "ROWS", defaultValue = "16384",
            description = "prefill in chunks of at most ROWS rows, batch x chunk (default: ${DEFAULT-VALUE})")
    int prefillRows;

    @Option(names = "--profile", description = "device time per kernel of one prefill chunk and one decode step (GPU; with --fill synthetic,"
            + " the decode step alone)")
    boolean profile;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the rows there as a JSON array")
    Path json;

    @Option(names = "--fill", paramLabel = "HOW", defaultValue = "prefill",
            description = "how each context is filled: prefill (timed), or synthetic: states and caches filled with synthetic"
                    + " values (decode timing does not depend on them), decode alone timed; long contexts in minutes (default: ${DEFAULT-VALUE})")
    String fill;

    @Mixin ComposeMixin compose;
    @Mixin BundlesMixin bundles;

    @Spec CommandSpec spec;

    private BenchOptions options;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    /** The options as {@link BenchOptions}; its range checks are usage errors, reported before the runtime starts. */
    @Override public void check() {
        try {
            if (!fill.equals("prefill") && !fill.equals("synthetic")) {
                throw new IllegalArgumentException("--fill must be prefill or synthetic; got " + fill);
            }
            options = new BenchOptions(model, compose.options(), batches, promptLens, gen, prefillRows, profile, json, fill.equals("synthetic"));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    BenchOptions options() { return options; }

    @Override public int run(JetRuntime rt, Streams io) { return new Bench(rt, io.out()).run(options); }
}
