package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code jetrt bench}: the options into {@link BenchOptions}, measured by {@link Bench}. */
final class BenchCommand {
    private static final Set<String> OPTIONS = Set.of("model", "prompt-len", "gen", "batch", "bundles", "json", "profile", "prefill-rows");

    private final JetRuntime rt;
    private final Args args;
    private final PrintStream out;

    BenchCommand(JetRuntime rt, Args args, PrintStream out) {
        this.rt = rt;
        this.args = args;
        this.out = out;
    }

    int run() {
        args.rejectUnknown(ComposeArgs.plus(OPTIONS));
        BenchOptions o = new BenchOptions(args.has("model") ? Path.of(args.get("model", null)) : null, ComposeArgs.from(args),
                ints("batch", "1"), ints("prompt-len", "256"), args.integer("gen", 16), args.integer("prefill-rows", 16384),
                args.has("profile"), args.has("json") ? Path.of(args.get("json", null)) : null);
        return new Bench(rt, out).run(o);
    }

    private List<Integer> ints(String option, String fallback) {
        List<Integer> out = new ArrayList<>();
        for (String p : args.get(option, fallback).split(",")) {
            try {
                out.add(Integer.parseInt(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + option + " must be a number or a comma list of numbers; got " + args.get(option, fallback));
            }
        }
        return out;
    }
}
