package io.jetrt.cli;

import io.jetrt.demo.DemoModel;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;

/** {@code jetrt demo --out DIR}: writes the embedded demo model as a Hugging Face directory. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes the demo model (random weights) as a Hugging Face directory.")
final class DemoCommand implements JetrtCommand {
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the directory to write the model to")
    Path out;

    @Option(names = "--shape", paramLabel = "SHAPE", defaultValue = "tiny", converter = ShapeConverter.class,
            description = "tiny (layers jet, swa, jet, attn, jet, swa) or 2b (Jet-Nemotron-2B-shaped) (default: tiny)")
    DemoModel.Shape shape;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "20251126", description = "seed of the random weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin BundlesMixin bundles;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        Path dir = DemoModel.write(out, rt.registry(), seed, shape);
        io.out().println("wrote the demo model to " + dir);
        return 0;
    }

    /** The shape names users type: tiny, 2b. */
    static final class ShapeConverter implements ITypeConverter<DemoModel.Shape> {
        @Override public DemoModel.Shape convert(String value) {
            return switch (value) {
                case "tiny" -> DemoModel.Shape.TINY;
                case "2b" -> DemoModel.Shape.JET_2B;
                default -> throw new TypeConversionException("must be tiny or 2b; got '" + value + "'");
            };
        }
    }
}
