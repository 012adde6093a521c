package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code jetrt verify FILE|DIR}: per tensor and backend, max abs and rel error with PASS/FAIL; exit 0 only if all pass. */
final class VerifyCommand {
    private final JetRuntime rt;
    private final Args args;
    private final PrintStream out;

    VerifyCommand(JetRuntime rt, Args args, PrintStream out) {
        this.rt = rt;
        this.args = args;
        this.out = out;
    }

    int run() {
        args.rejectUnknown(Set.of("backend", "bundles"));
        if (args.positional.size() != 1) throw new IllegalArgumentException("verify takes one path: a block reference file or a model directory");
        Path path = Path.of(args.positional.getFirst());
        Backend backend = args.has("backend") ? Backend.parse(args.get("backend", null)) : null;
        VerifyReport report;
        if (Files.isDirectory(path)) {
            report = rt.modelVerifier().verify(path, ComposeOptions.DEFAULT.withBackend(backend));
        } else {
            report = rt.blockVerifier().verify(path, backend == null ? List.of() : List.of(backend));
        }
        out.print(report.format());
        return report.passed() ? 0 : 1;
    }
}
