package io.jetrt.cli;

import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.spi.Backend;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;

/** How commands that load a model compose it: --override, --pin, --backend, --init-seed. */
final class ComposeMixin {
    @Option(names = "--override", paramLabel = "RULES", converter = RulesConverter.class,
            description = "block types replacing the config's, comma-separated <layers>:<type>; <layers> an index, a range a-b"
                    + " or a type meaning all its layers (0-13:mamba2,jet:gdn)")
    LayerRules overrides = LayerRules.NONE;

    @Option(names = "--pin", paramLabel = "RULES", converter = RulesConverter.class,
            description = "implementation versions, comma-separated <layers>:<version> (jet:1.0,14:1.2.0): equal, or a prefix followed by a dot")
    LayerRules pins = LayerRules.NONE;

    @Option(names = "--backend", paramLabel = "BACKEND", converter = BackendConverter.class, completionCandidates = BackendIds.class,
            description = "the backend of every layer, one of ${COMPLETION-CANDIDATES} (default: each layer's preferred: cuda, then cpu, then reference)")
    Backend backend;

    @Option(names = "--init-seed", paramLabel = "SEED", defaultValue = "0",
            description = "seed for the weights of blocks swapped in where the checkpoint has another type (default: ${DEFAULT-VALUE})")
    long initSeed;

    ComposeOptions options() { return new ComposeOptions(overrides, pins, backend, initSeed); }

    /** {@link LayerRules#parse}, its message kept: a bad rule is a usage error naming the option. */
    static final class RulesConverter implements ITypeConverter<LayerRules> {
        @Override public LayerRules convert(String value) {
            try {
                return LayerRules.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@link Backend#parse}: the lower-case ids the rest of jetrt prints. */
    static final class BackendConverter implements ITypeConverter<Backend> {
        @Override public Backend convert(String value) {
            try {
                return Backend.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** The backend ids, for help texts. */
    static final class BackendIds implements Iterable<String> {
        @Override public Iterator<String> iterator() { return Arrays.stream(Backend.values()).map(Backend::id).iterator(); }
    }
}
