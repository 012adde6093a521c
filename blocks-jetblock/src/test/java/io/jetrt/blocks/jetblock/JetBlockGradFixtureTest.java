package io.jetrt.blocks.jetblock;

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
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The training capability against ../shared/fixtures/grad/jetblock.safetensors (fixtures README "grad/") through
 * the runtime's gradient verifier, as {@code jetrt verify} runs it: the forward of io.x against io.y, and the
 * gradients of io.x and every weight against the file's float64 directional derivatives, rel ≤ 1e-4, on both host
 * backends.
 */
class JetBlockGradFixtureTest {
    private static final String FILE = "jetblock.safetensors";

    @Test
    void gradientsMatchTheFixtureOnReferenceAndCpu() {
        VerifyReport r = Fixtures.verifyGradients(FILE, new JetBlockProvider(), Backend.REFERENCE, Backend.CPU);
        System.out.println(r.format());
        // per backend: io.y (forward), io.x and the 13 weights
        assertEquals(2 * (1 + 1 + 13), r.checks().size(), r.format());
    }

    /** The float64 forward the backward recomputes is the fixture's function too: io.y is it rounded to float32. */
    @Test
    void float64ForwardMatchesTheFixture() {
        JetBlockProvider provider = new JetBlockProvider();
        try (SafeTensorsFile f = SafeTensorsFile.open(Path.of(System.getProperty("jetrt.fixtures"), "grad", FILE))) {
            BlockConfig config = new BlockConfig(FILE, Json.parseObject(f.metadata().get("config")));
            Map<String, double[]> w = new HashMap<>();
            for (WeightDecl d : provider.weights(config)) w.put(d.name(), Float64.of(f.readFloats(d.name()).data()));
            FloatTensor x = f.readFloats("io.x");
            double[] y = new JetBlockGrad(JetBlockConfig.from(config), w).forward(Float64.of(x.data()), x.dim(0), x.dim(1));
            // io.y is the float64 result rounded to float32: 6e-8 relative per element, 1e-6 leaves room
            Closeness.assertClose(y, f.readFloats("io.y").data(), 1e-6, FILE + " float64 forward vs io.y");
        }
    }
}
