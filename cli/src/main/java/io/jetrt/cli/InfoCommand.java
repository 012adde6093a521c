package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.cuda.CudaDriver;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.Backend;
import org.osgi.framework.Bundle;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code jetrt info [--model DIR]}: the framework, its bundles, the block types they offer, and a model's bindings. */
final class InfoCommand {
    private final JetRuntime rt;
    private final PrintStream out;

    InfoCommand(JetRuntime rt, PrintStream out) {
        this.rt = rt;
        this.out = out;
    }

    int run(Args args) {
        args.rejectUnknown(ComposeArgs.plus(Set.of("bundles", "model")));
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
        if (args.has("model")) layers(rt.load(Path.of(args.get("model", null)), ComposeArgs.from(args)));
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
