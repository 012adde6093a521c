package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.demo.DemoModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code jetrt demo --out DIR}: writes the embedded demo model as a Hugging Face directory. */
final class DemoCommand {
    private final JetRuntime rt;
    private final Args args;
    private final PrintStream out;

    DemoCommand(JetRuntime rt, Args args, PrintStream out) {
        this.rt = rt;
        this.args = args;
        this.out = out;
    }

    int run() {
        args.rejectUnknown(Set.of("out", "seed", "shape", "bundles"));
        if (!args.has("out")) throw new IllegalArgumentException("demo needs --out DIR");
        DemoModel.Shape shape = switch (args.get("shape", "tiny")) {
            case "tiny" -> DemoModel.Shape.TINY;
            case "2b" -> DemoModel.Shape.JET_2B;
            default -> throw new IllegalArgumentException("--shape must be tiny or 2b; got '" + args.get("shape", "") + "'");
        };
        Path dir = DemoModel.write(Path.of(args.get("out", null)), rt.registry(), args.integer("seed", 20251126), shape);
        out.println("wrote the demo model to " + dir);
        return 0;
    }
}
