package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.loader.json.Json;
import io.jetrt.loader.safetensors.SafeTensorsFile;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static io.jetrt.blocks.mamba2.Mamba2Testing.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The golden file {@code blocks/mamba2.safetensors} (float64 reference of the upstream maths, README
 * "mamba2"): a 37-token prefill from an empty state, then 5 single-token steps, outputs and states,
 * rel ≤ 1e-4 on both backends.
 */
class Mamba2FixtureTest {
    private static final double TOL = 1e-4;

    private static SafeTensorsFile open() {
        String dir = System.getProperty("jetrt.fixtures");
        assertNotNull(dir, "system property jetrt.fixtures must name the fixtures directory");
        Path file = Path.of(dir, "blocks", "mamba2.safetensors");
        assertTrue(Files.isRegularFile(file), "fixture missing: " + file);
        return SafeTensorsFile.open(file);
    }

    private static BlockConfig config(SafeTensorsFile f) {
        return new BlockConfig(f.path().toString(), Json.parseObject(f.metadata().get("config")));
    }

    private static Map<String, FloatTensor> weights(SafeTensorsFile f) {
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (String n : f.names()) if (!n.startsWith("io.")) w.put(n, f.readFloats(n));
        return w;
    }

    @Test
    void declaredWeightsAndStateMatchTheFile() {
        try (SafeTensorsFile f = open()) {
            BlockConfig cfg = config(f);
            Set<WeightDecl> inFile = new HashSet<>();
            for (String n : f.names()) if (!n.startsWith("io.")) inFile.add(WeightDecl.of(n, f.readFloats(n).shape()));
            assertEquals(inFile, Set.copyOf(PROVIDER.weights(cfg)));
            assertEquals(inFile.size(), PROVIDER.weights(cfg).size());
            Set<WeightDecl> init = new HashSet<>();
            PROVIDER.initWeights(cfg, 1).forEach((n, t) -> init.add(WeightDecl.of(n, t.shape())));
            assertEquals(inFile, init, "initWeights: names and shapes");
            BlockState s = new BlockState(2, PROVIDER.stateLayout(cfg, 42));
            for (String slot : s.tensors().keySet()) {
                assertArrayEquals(f.readFloats("io.final." + slot).shape(), s.get(slot).shape(), slot);
                assertArrayEquals(f.readFloats("io.final_next." + slot).shape(), s.get(slot).shape(), slot);
            }
            Set<String> fileSlots = new HashSet<>();
            for (String n : f.names()) if (n.startsWith("io.final.")) fileSlots.add(n.substring("io.final.".length()));
            assertEquals(fileSlots, s.tensors().keySet());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void prefillThenDecodeMatchTheFile(Backend backend) {
        try (SafeTensorsFile f = open()) {
            BlockConfig cfg = config(f);
            Block block = PROVIDER.create(cfg, new MapWeights(f.path().toString(), weights(f)), backend, SERVICES);
            FloatTensor x = f.readFloats("io.x");
            int batch = x.dim(0), t = x.dim(1);
            String what = "mamba2 " + backend.id() + ", f32, fixture [B=" + batch + ", T=" + t + ", D=" + x.dim(2) + "]";

            BlockState state = new BlockState(batch, PROVIDER.stateLayout(cfg, t + 5));
            check(prefill(block, x, 0, state), f.readFloats("io.y"), what + ", prefill y");
            Map<String, FloatTensor> exported = block.exportState(state, t);
            for (String slot : exported.keySet()) check(exported.get(slot), f.readFloats("io.final." + slot), what + ", " + slot);

            FloatTensor xNext = f.readFloats("io.x_next");
            int steps = xNext.dim(1);
            FloatTensor yNext = FloatTensor.zeros(xNext.shape());
            for (int i = 0; i < steps; i++) {
                FloatTensor yi = decode(block, slice(xNext, i, i + 1), t + i, state);
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(yi.data(), b * x.dim(2), yNext.data(), (b * steps + i) * x.dim(2), x.dim(2));
                }
            }
            check(yNext, f.readFloats("io.y_next"), what + ", decode y_next");
            exported = block.exportState(state, t + steps);
            for (String slot : exported.keySet()) check(exported.get(slot), f.readFloats("io.final_next." + slot), what + ", next " + slot);
        }
    }

    private static void check(FloatTensor got, FloatTensor exp, String what) {
        System.out.printf("%s: rel %.2e%n", what, rel(got, exp));
        assertClose(got, exp, TOL, what);
    }
}
