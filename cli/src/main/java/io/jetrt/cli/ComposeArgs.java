package io.jetrt.cli;

import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.spi.Backend;

import java.util.Set;

/** The composition options shared by commands that load a model: --override, --pin, --backend, --init-seed. */
final class ComposeArgs {
    static final Set<String> NAMES = Set.of("override", "pin", "backend", "init-seed");

    private ComposeArgs() {}

    /** {@code own} options and the composition options: what a command that loads a model accepts. */
    static Set<String> plus(Set<String> own) {
        Set<String> all = new java.util.HashSet<>(own);
        all.addAll(NAMES);
        return all;
    }

    static ComposeOptions from(Args args) {
        return new ComposeOptions(LayerRules.parse(args.get("override", null)), LayerRules.parse(args.get("pin", null)),
                args.has("backend") ? Backend.parse(args.get("backend", null)) : null, args.integer("init-seed", 0));
    }
}
