package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.verify.GradientVerifier;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code jetrt verify FILE|DIR}: per tensor and backend, max abs and rel error with PASS/FAIL; exit 0 only if all pass. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks a block or a whole model against its golden reference; exits 0 only when every check passes.",
                "Prints per tensor and backend the max abs and relative error with PASS or FAIL."})
final class VerifyCommand implements JetrtCommand {
    @Parameters(paramLabel = "FILE|DIR",
            description = "a block reference file (.safetensors), a gradient fixture (grad/<block>.safetensors: the block's backward)"
                    + " or a model directory with expected.safetensors")
    Path path;

    @Option(names = "--backend", paramLabel = "BACKEND", converter = ComposeMixin.BackendConverter.class,
            completionCandidates = ComposeMixin.BackendIds.class,
            description = "check only this backend, one of ${COMPLETION-CANDIDATES} (default: every backend the providers offer; for a model, each layer's preferred)")
    Backend backend;

    @Mixin BundlesMixin bundles;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        List<Backend> backends = backend == null ? List.of() : List.of(backend);
        VerifyReport report = Files.isDirectory(path) ? rt.modelVerifier().verify(path, ComposeOptions.DEFAULT.withBackend(backend))
                : GradientVerifier.isGradientFile(path) ? rt.gradientVerifier().verify(path, backends)
                : rt.blockVerifier().verify(path, backends);
        io.out().print(report.format());
        return report.passed() ? 0 : 1;
    }
}
