package io.jetrt.cli;

import io.jetrt.experiments.CompareRunner;
import io.jetrt.experiments.Comparison;
import io.jetrt.experiments.DefaultExperiment;
import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.ReportWriter;
import io.jetrt.experiments.Shard;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jetrt compare [FILE] [--out DIR] [--max-rows N] [--shard I/N | --merge DIR...]}: runs an experiment file (or
 * the built-in default comparison) and writes the tables, CSV, JSON and HTML report. A rerun resumes: rows already
 * in the output directory's results.jsonl under the same config hash are not run again. {@code --shard} runs a
 * deterministic 1/N of the rows into {@code <output>/shards/I-of-N}; {@code --merge} folds shards' results into
 * one report without running anything.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Block variants side by side: tables, CSV, JSON and an HTML report.",
                "A rerun resumes: rows already in the output's results.jsonl under the same config hash are not run again."})
final class CompareCommand implements JetrtCommand {
    @Parameters(arity = "0..1", paramLabel = "EXPERIMENT.json",
            description = "the experiment file (default: the built-in comparison of the demo model's blocks, into ./jetrt-compare)")
    Path experiment;

    @Option(names = "--out", paramLabel = "DIR", description = "the output directory (default: the file's \"output\", else <file name>-report beside it)")
    Path output;

    @Option(names = "--max-rows", paramLabel = "N", defaultValue = "-1", description = "stop after N rows run now; rerun to resume (default: all)")
    int maxRows;

    @Option(names = "--shard", paramLabel = "I/N", converter = ShardArg.class,
            description = "run only shard I of N (1 <= I <= N) into <output>/shards/I-of-N, e.g. one per GPU")
    Shard shard;

    @Option(names = "--merge", paramLabel = "DIR", arity = "1..*",
            description = "fold the results in these shard directories into one report (runs no row)")
    List<Path> merge;

    @Mixin BundlesMixin bundles;

    /** A bad fraction is a usage error (exit 2), refused before the runtime starts. */
    static final class ShardArg implements ITypeConverter<Shard> {
        @Override public Shard convert(String text) {
            try {
                return Shard.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        PrintStream out = io.out();
        Experiment e = experiment == null ? DefaultExperiment.get(Path.of("jetrt-compare")) : ExperimentParser.read(experiment);
        if (output != null) e = e.withOutput(output);
        if (shard != null && merge != null) throw new IllegalArgumentException("--shard and --merge do not go together: run the shards, then merge them");
        Shard part = shard == null ? Shard.ALL : shard;
        CompareRunner runner = new CompareRunner(rt, io.err());
        Comparison c = merge != null ? runner.merge(e, merge) : runner.run(e, maxRows, part);
        List<Path> files = ReportWriter.write(c, out);
        out.println();
        for (Path f : files) out.println("wrote " + f);
        out.println("results " + c.experiment().output().resolve("results.jsonl") + " (" + c.computed() + " rows run now, " + c.resumed() + " resumed)");
        if (!c.complete() && merge != null) out.println("some rows of the plan are in none of the merged shards: run the experiment without --merge to run them");
        else if (!c.complete() && maxRows >= 0) out.println("stopped after " + maxRows + " row(s) (--max-rows): run the same command again to resume");
        if (!part.equals(Shard.ALL)) out.println("shard " + part + " done: merge the shards with `jetrt compare " + (experiment == null ? "" : experiment + " ")
                + "--merge " + e.output().resolve("shards") + "/*`");
        return 0;
    }
}
