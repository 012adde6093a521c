package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.conformance.Closeness;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training capability against {@code ../shared/fixtures/grad/} (format in its README, "grad/"): the forward of
 * {@code io.x} equals {@code io.y}, and for every weight and {@code io.x} the gradient's directional derivatives
 * {@code Σ G · dir_j} equal the file's float64 {@code ddot[j]}: {@code max_j |Σ G·dir_j − ddot[j]| ≤ 1e-4 · max_j |ddot[j]|}.
 */
class AttentionGradientFixtureTest {
    private static final double TOL = 1e-4;
    private static final BlockServices CPU = PlainCpuOps::new;

    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource({"attention.safetensors,false,REFERENCE", "attention.safetensors,false,CPU",
                "swa_attention.safetensors,true,REFERENCE", "swa_attention.safetensors,true,CPU"})
    void gradientsMatchTheFixture(String file, boolean sliding, Backend backend) {
        AttentionProvider provider = new AttentionProvider(sliding, "1.0.0");
        try (SafeTensorsFile f = SafeTensorsFile.open(fixture(file))) {
            BlockConfig config = new BlockConfig(file, Json.parseObject(f.metadata().get("config")));
            Map<String, FloatTensor> w = new LinkedHashMap<>();
            for (WeightDecl d : provider.weights(config)) w.put(d.name(), f.readFloats(d.name()));
            MapWeights weights = new MapWeights(file, w);
            FloatTensor x = f.readFloats("io.x");

            FloatTensor y = provider.forward(config, weights, x, backend, CPU);
            Closeness.assertClose(f.readFloats("io.y"), y, TOL, file + " " + backend + " forward vs io.y");

            Gradients g = provider.backward(config, weights, x, f.readFloats("io.dy"), backend, CPU);
            List<String> failures = new ArrayList<>();
            Map<String, FloatTensor> grads = new LinkedHashMap<>(g.weights());
            grads.put("io.x", g.input());
            assertEquals(w.size(), g.weights().size(), "one gradient per declared weight: " + g.weights().keySet());
            for (Map.Entry<String, FloatTensor> e : grads.entrySet()) {
                String name = e.getKey();
                double rel = directionalError(f, name, e.getValue());
                System.out.printf(Locale.ROOT, "%s %s %-16s rel %.2e%n", file, backend.id(), name, rel);
                if (!(rel <= TOL)) failures.add(name + " rel " + rel);
            }
            assertTrue(failures.isEmpty(), file + " " + backend + ": " + failures);
        }
    }

    /** The float64 forward that the backward recomputes is the fixture's function too (a float32 rounding of it). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"attention.safetensors,false", "swa_attention.safetensors,true"})
    void float64ForwardMatchesTheFixture(String file, boolean sliding) {
        AttentionProvider provider = new AttentionProvider(sliding, "1.0.0");
        try (SafeTensorsFile f = SafeTensorsFile.open(fixture(file))) {
            BlockConfig config = new BlockConfig(file, Json.parseObject(f.metadata().get("config")));
            Map<String, double[]> w = new LinkedHashMap<>();
            for (WeightDecl d : provider.weights(config)) w.put(d.name(), AttentionBackwardPropertiesTest.toDouble(f.readFloats(d.name())));
            FloatTensor x = f.readFloats("io.x");
            AttentionForward64 fwd = new AttentionForward64(AttentionConfig.from(config, sliding), w,
                    AttentionBackwardPropertiesTest.toDouble(x), x.dim(0), x.dim(1));
            // io.y is the float64 result rounded to float32: 6e-8 relative per element, 1e-6 leaves room
            Closeness.assertClose(fwd.y, f.readFloats("io.y").data(), 1e-6, file + " float64 forward vs io.y");
        }
    }

    /** {@code max_j |Σ G·dir_j − ddot[j]| / max_j |ddot[j]|}, the sums in float64. */
    private static double directionalError(SafeTensorsFile f, String name, FloatTensor grad) {
        float[] ddot = f.readFloats("gradcheck.ddot." + name).data();
        double maxErr = 0, maxRef = 0;
        for (int j = 0; j < ddot.length; j++) {
            FloatTensor dir = f.readFloats("gradcheck.dir." + name + "." + j);
            assertTrue(dir.sameShape(grad.shape()), name + ": gradient shape vs direction " + dir);
            double dot = 0;
            for (int i = 0; i < dir.size(); i++) dot += (double) grad.data()[i] * dir.data()[i];
            maxErr = Math.max(maxErr, Math.abs(dot - ddot[j]));
            maxRef = Math.max(maxRef, Math.abs(ddot[j]));
        }
        return maxErr / maxRef;
    }

    static Path fixture(String file) {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        return Path.of(dir, "grad", file);
    }
}
