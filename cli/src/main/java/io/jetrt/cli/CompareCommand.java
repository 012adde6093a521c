package io.jetrt.cli;

import io.jetrt.experiments.CompareRunner;
import io.jetrt.experiments.Comparison;
import io.jetrt.experiments.DefaultExperiment;
import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.ReportWriter;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jetrt compare [FILE] [--out DIR] [--max-rows N]}: runs an experiment file (or the built-in
 * default comparison) and writes the tables, CSV, JSON and HTML report. A rerun resumes: rows already
 * in the output directory's results.jsonl under the same config hash are not run again.
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

    @Mixin BundlesMixin bundles;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        PrintStream out = io.out();
        Experiment e = experiment == null ? DefaultExperiment.get(Path.of("jetrt-compare")) : ExperimentParser.read(experiment);
        if (output != null) e = e.withOutput(output);
        Comparison c = new CompareRunner(rt, io.err()).run(e, maxRows);
        List<Path> files = ReportWriter.write(c, out);
        out.println();
        for (Path f : files) out.println("wrote " + f);
        out.println("results " + e.output().resolve("results.jsonl") + " (" + c.computed() + " rows run now, " + c.resumed() + " resumed)");
        if (!c.complete()) out.println("stopped after " + maxRows + " row(s) (--max-rows): run the same command again to resume");
        return 0;
    }
}
