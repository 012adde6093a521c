package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient fixture ../shared/fixtures/grad/gated_deltanet.safetensors (fixtures README "grad/"), checked as the
 * README says: for every weight and io.x, {@code max_j |Σ G·dir_j − ddot[j]| ≤ 1e-4 · max_j |ddot[j]|}; and the
 * training forward against io.y (rel ≤ 1e-4). On both host backends.
 */
class GatedDeltaNetGradFixtureTest {
    private static final double TOL = 1e-4;
    private final GatedDeltaNetProvider provider = new GatedDeltaNetProvider();
    private final BlockServices services = PlainCpuOps::new;

    @Test
    void gradientsMatchTheFixtureOnReferenceAndCpu() {
        try (SafeTensorsFile f = SafeTensorsFile.open(Path.of(System.getProperty("jetrt.fixtures"), "grad", "gated_deltanet.safetensors"))) {
            BlockConfig config = new BlockConfig("grad/gated_deltanet", Json.parseObject(f.metadata().get("config")));
            Map<String, FloatTensor> weights = new LinkedHashMap<>();
            for (String n : f.names()) if (!n.startsWith("io.") && !n.startsWith("gradcheck.")) weights.put(n, f.readFloats(n));
            assertEquals(provider.weights(config).size(), weights.size(), "the file holds exactly the declared weights");
            FloatTensor x = f.readFloats("io.x"), y = f.readFloats("io.y"), dy = f.readFloats("io.dy");
            MapWeights w = new MapWeights("grad/gated_deltanet", weights);
            StringBuilder report = new StringBuilder();
            for (Backend b : provider.trainingBackends()) {
                double yErr = rel(provider.forward(config, w, x, b, services).data(), y.data());
                report.append(String.format("%s io.y rel %.2e%n", b.id(), yErr));
                assertTrue(yErr <= TOL, b.id() + " forward vs io.y: rel " + yErr);
                Gradients g = provider.backward(config, w, x, dy, b, services);
                report.append(String.format("%s io.x %.2e%n", b.id(), check(f, "io.x", g.input())));
                for (WeightDecl d : provider.weights(config)) {
                    assertTrue(g.weight(d.name()).sameShape(d.shape()), d.name() + " gradient has its weight's shape");
                    report.append(String.format("%s %s %.2e%n", b.id(), d.name(), check(f, d.name(), g.weight(d.name()))));
                }
            }
            System.out.print(report);
            for (String line : report.toString().split("\n")) {
                double err = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                assertTrue(err <= TOL, "gated_deltanet gradient over tolerance " + TOL + ": " + line + "\n" + report);
            }
        }
    }

    /** {@code max_j |Σ G·dir_j − ddot[j]| / max_j |ddot[j]|} for tensor {@code name}. */
    private static double check(SafeTensorsFile f, String name, FloatTensor grad) {
        float[] ddot = f.readFloats("gradcheck.ddot." + name).data();
        double num = 0, den = 0;
        for (int j = 0; j < ddot.length; j++) {
            float[] dir = f.readFloats("gradcheck.dir." + name + "." + j).data();
            assertEquals(grad.size(), dir.length, name + ": direction " + j + " has the gradient's size");
            double dot = 0;
            for (int i = 0; i < dir.length; i++) dot += (double) grad.data()[i] * dir[i];
            num = Math.max(num, Math.abs(dot - ddot[j]));
            den = Math.max(den, Math.abs(ddot[j]));
        }
        return num / den;
    }

    private static double rel(float[] got, float[] exp) {
        double num = 0, den = 0;
        for (int i = 0; i < exp.length; i++) {
            double d = Math.abs((double) got[i] - exp[i]);
            num = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(num, d);
            den = Math.max(den, Math.abs(exp[i]));
        }
        return num / den;
    }
}
