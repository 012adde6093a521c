package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.runtime.cuda.CudaDriver;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import org.osgi.framework.Bundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Collectors;

/** {@code jetrt info [--model DIR]}: the framework, its bundles, the block types they offer, and a model's bindings. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The framework, its bundles, the block types they offer and their backends, and this machine's CUDA.",
                "With --model, what is bound where: layer, provider, bundle, backend, weights."})
final class InfoCommand implements JetrtCommand {
    @Option(names = "--model", paramLabel = "DIR", description = "a checkpoint directory to compose and show the bindings of")
    Path model;

    @Mixin ComposeMixin compose;
    @Mixin BundlesMixin bundles;

    private PrintStream out;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        this.out = io.out();
        out.printf("framework: Apache Felix %s (%s)%n", rt.host().framework().getVersion(), state(rt.host().framework().getState()));
        out.printf("cpu ops:   %s, %d threads%n", rt.cpu().getClass().getSimpleName(), rt.cpu().threads());
        CudaDriver.Status cuda = CudaDriver.status();
        out.printf("cuda:      %s%n", cuda.available() ? cuda.devices() + " device(s), driver " + cuda.driverVersion() : cuda.reason());
        out.println("bundles:");
        for (Bundle b : rt.host().bundles()) {
            if (b.getBundleId() == 0) continue;
            out.printf("  %-3d %-32s %-24s %s%n", b.getBundleId(), b.getSymbolicName(), b.getVersion(), state(b.getState()));
        }
        out.println("block types:");
        for (ProviderBinding p : rt.registry().all().stream().sorted(Comparator.comparing(p -> p.provider().type())).toList()) {
            String backends = p.provider().backends().stream().sorted().map(Backend::id).collect(Collectors.joining(","));
            String aliases = p.provider().aliases().isEmpty() ? "" : " aliases " + String.join(",", p.provider().aliases());
            out.printf("  %-8s %-7s backends %-18s from %s%s%n", p.provider().type(), p.provider().version(), backends, p.bundleName(), aliases);
        }
        if (model != null) layers(rt.load(model, compose.options()));
        return 0;
    }

    /** What is bound where: each layer's type, provider, bundle, backend and the source of its weights. */
    private void layers(Model model) {
        out.println("layers of " + model.config().source() + ":");
        for (Layer l : model.layers()) {
            out.printf("  %2d %-8s %s%n", l.index(), l.type(), l.available()
                    ? l.binding() + ", backend " + l.backend().id() + ", weights: " + l.weightSource() : "UNAVAILABLE (no provider)");
        }
        out.printf("  %,d parameters%n", model.parameterCount());
    }

    private static String state(int s) {
        return switch (s) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed (unresolved)";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "uninstalled";
        };
    }
}
