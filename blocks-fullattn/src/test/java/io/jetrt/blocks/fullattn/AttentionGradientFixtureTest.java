package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.grad.Float64;
import io.jetrt.blocks.testkit.Fixtures;
import io.jetrt.conformance.Closeness;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The training capability against {@code ../shared/fixtures/grad/} (format in its README, "grad/") through the
 * runtime's gradient verifier, as {@code jetrt verify} runs it: the forward of {@code io.x} against {@code io.y}, and
 * the gradients of {@code io.x} and every weight against the file's float64 directional derivatives, rel ≤ 1e-4.
 */
class AttentionGradientFixtureTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"attention.safetensors,false", "swa_attention.safetensors,true"})
    void gradientsMatchTheFixture(String file, boolean sliding) {
        VerifyReport r = Fixtures.verifyGradients(file, new AttentionProvider(sliding, "1.0.0"), Backend.REFERENCE, Backend.CPU);
        System.out.println(r.format());
        // per backend: io.y (forward), io.x and the 7 weights
        assertEquals(2 * (1 + 1 + 7), r.checks().size(), r.format());
    }

    /** The float64 forward that the backward recomputes is the fixture's function too (a float32 rounding of it). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"attention.safetensors,false", "swa_attention.safetensors,true"})
    void float64ForwardMatchesTheFixture(String file, boolean sliding) {
        AttentionProvider provider = new AttentionProvider(sliding, "1.0.0");
        try (SafeTensorsFile f = SafeTensorsFile.open(fixture(file))) {
            BlockConfig config = new BlockConfig(file, Json.parseObject(f.metadata().get("config")));
            Map<String, double[]> w = new LinkedHashMap<>();
            for (WeightDecl d : provider.weights(config)) w.put(d.name(), Float64.of(f.readFloats(d.name()).data()));
            FloatTensor x = f.readFloats("io.x");
            AttentionForward64 fwd = new AttentionForward64(AttentionConfig.from(config, sliding), w,
                    Float64.of(x.data()), x.dim(0), x.dim(1));
            // io.y is the float64 result rounded to float32: 6e-8 relative per element, 1e-6 leaves room
            Closeness.assertClose(fwd.y, f.readFloats("io.y").data(), 1e-6, file + " float64 forward vs io.y");
        }
    }

    private static Path fixture(String file) {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        return Path.of(dir, "grad", file);
    }
}
