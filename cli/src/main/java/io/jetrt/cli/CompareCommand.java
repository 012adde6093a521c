package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.experiments.CompareRunner;
import io.jetrt.experiments.Comparison;
import io.jetrt.experiments.DefaultExperiment;
import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.ReportWriter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code jetrt compare [FILE] [--out DIR] [--max-rows N]}: runs an experiment file (or the built-in
 * default comparison) and writes the tables, CSV, JSON and HTML report. A rerun resumes: rows already
 * in the output directory's results.jsonl under the same config hash are not run again.
 */
final class CompareCommand {
    private static final Set<String> OPTIONS = Set.of("out", "max-rows", "bundles");

    private final JetRuntime rt;
    private final Args args;
    private final PrintStream out, err;

    CompareCommand(JetRuntime rt, Args args, PrintStream out, PrintStream err) {
        this.rt = rt;
        this.args = args;
        this.out = out;
        this.err = err;
    }

    int run() {
        args.rejectUnknown(OPTIONS);
        if (args.positional.size() > 1) throw new IllegalArgumentException("compare takes one experiment file; got " + args.positional);
        Experiment e = args.positional.isEmpty() ? DefaultExperiment.get(Path.of("jetrt-compare"))
                : ExperimentParser.read(Path.of(args.positional.getFirst()));
        if (args.has("out")) e = e.withOutput(Path.of(args.get("out", null)));
        int maxRows = args.integer("max-rows", -1);
        Comparison c = new CompareRunner(rt, err).run(e, maxRows);
        List<Path> files = ReportWriter.write(c, out);
        out.println();
        for (Path f : files) out.println("wrote " + f);
        out.println("results " + e.output().resolve("results.jsonl") + " (" + c.computed() + " rows run now, " + c.resumed() + " resumed)");
        if (!c.complete()) out.println("stopped after " + maxRows + " row(s) (--max-rows): run the same command again to resume");
        return 0;
    }
}
