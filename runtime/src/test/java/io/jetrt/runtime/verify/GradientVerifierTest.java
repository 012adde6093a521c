package io.jetrt.runtime.verify;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.spi.DType;
import io.jetrt.loader.safetensors.SafeTensorsWriter;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.BlockServices;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.Gradients;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.TrainableProvider;
import io.jetrt.spi.WeightDecl;
import io.jetrt.spi.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient check of the fixtures README on a block whose gradients are known in closed form: {@code y = x ⊙ w}
 * ({@code w [D]}), so {@code dL/dx = dy ⊙ w} and {@code dL/dw = Σ_{b,t} dy ⊙ x}. The fixture's directional derivatives
 * are computed here in float64 from those formulas; a provider with the right gradients passes, one 0.1% off fails,
 * one without the capability is refused naming the interface.
 */
class GradientVerifierTest {
    private static final int B = 2, T = 5, D = 8;

    @TempDir Path dir;

    /** {@code y = x ⊙ w}; {@code scale} multiplies the gradients it returns (1 = right). */
    private record Scale(double scale) implements BlockProvider, TrainableProvider {
        @Override public String type() { return "scale"; }
        @Override public String version() { return "1.0.0"; }
        @Override public Set<Backend> backends() { return Set.of(Backend.CPU); }
        @Override public List<WeightDecl> weights(BlockConfig c) { return List.of(WeightDecl.of("w", D)); }
        @Override public List<StateSlot> stateLayout(BlockConfig c, int capacity) { return List.of(); }
        @Override public Map<String, FloatTensor> initWeights(BlockConfig c, long seed) { return Map.of("w", FloatTensor.filled(1f, D)); }
        @Override public Block create(BlockConfig c, Weights w, Backend b, BlockServices s) { throw new UnsupportedOperationException(); }
        @Override public Set<Backend> trainingBackends() { return Set.of(Backend.CPU); }

        @Override public FloatTensor forward(BlockConfig c, Weights w, FloatTensor x, Backend b, BlockServices s) {
            float[] y = new float[x.size()], wd = w.get("w").data();
            for (int i = 0; i < y.length; i++) y[i] = x.data()[i] * wd[i % D];
            return new FloatTensor(y, x.shape());
        }

        @Override public Gradients backward(BlockConfig c, Weights w, FloatTensor x, FloatTensor dy, Backend b, BlockServices s) {
            float[] dx = new float[x.size()], dw = new float[D], wd = w.get("w").data();
            double[] acc = new double[D];
            for (int i = 0; i < dx.length; i++) {
                dx[i] = (float) (scale * dy.data()[i] * wd[i % D]);
                acc[i % D] += (double) dy.data()[i] * x.data()[i];
            }
            for (int j = 0; j < D; j++) dw[j] = (float) (scale * acc[j]);
            return Gradients.of(new FloatTensor(dx, x.shape()), Map.of("w", new FloatTensor(dw, new int[] {D})));
        }
    }

    private record Plain() implements BlockProvider {
        @Override public String type() { return "scale"; }
        @Override public String version() { return "1.0.0"; }
        @Override public Set<Backend> backends() { return Set.of(Backend.CPU); }
        @Override public List<WeightDecl> weights(BlockConfig c) { return List.of(WeightDecl.of("w", D)); }
        @Override public List<StateSlot> stateLayout(BlockConfig c, int capacity) { return List.of(); }
        @Override public Map<String, FloatTensor> initWeights(BlockConfig c, long seed) { return Map.of(); }
        @Override public Block create(BlockConfig c, Weights w, Backend b, BlockServices s) { throw new UnsupportedOperationException(); }
    }

    private static FloatTensor random(SplittableRandom r, int... shape) {
        FloatTensor t = FloatTensor.zeros(shape);
        for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (2 * r.nextDouble() - 1);
        return t;
    }

    /** A fixture of the README's format for {@code y = x ⊙ w}, its ddots from the closed-form gradients in float64. */
    private Path fixture() {
        SplittableRandom r = new SplittableRandom(7);
        FloatTensor x = random(r, B, T, D), w = random(r, D), dy = random(r, B, T, D);
        float[] y = new float[x.size()];
        double[] gx = new double[x.size()], gw = new double[D];
        for (int i = 0; i < y.length; i++) {
            y[i] = x.data()[i] * w.data()[i % D];
            gx[i] = (double) dy.data()[i] * w.data()[i % D];
            gw[i % D] += (double) dy.data()[i] * x.data()[i];
        }
        SafeTensorsWriter out = new SafeTensorsWriter().metadata("block", "scale").metadata("config", "{}")
                .add("w", w, DType.F32).add("io.x", x, DType.F32).add("io.y", new FloatTensor(y, new int[] {B, T, D}), DType.F32).add("io.dy", dy, DType.F32);
        for (String name : List.of("w", "io.x")) {
            double[] g = name.equals("w") ? gw : gx;
            float[] ddot = new float[3];
            for (int j = 0; j < 3; j++) {
                FloatTensor d = name.equals("w") ? random(r, D) : random(r, B, T, D);
                double dot = 0;
                for (int i = 0; i < g.length; i++) dot += g[i] * d.data()[i];
                ddot[j] = (float) dot;
                out.add("gradcheck.dir." + name + "." + j, d, DType.F32);
            }
            out.add("gradcheck.ddot." + name, new FloatTensor(ddot, new int[] {3}), DType.F32);
        }
        Path file = dir.resolve("scale.safetensors");
        out.write(file);
        return file;
    }

    @Test
    void rightGradientsPassAndWrongOnesFail() {
        Path file = fixture();
        assertTrue(GradientVerifier.isGradientFile(file));
        VerifyReport right = GradientVerifier.verify(file, new Scale(1.0), List.of(), new PlainCpuOps());
        assertTrue(right.passed(), right.format());
        assertEquals(List.of("io.y (forward)", "io.x", "w"), right.checks().stream().map(Check::tensor).toList());
        assertTrue(right.checks().stream().allMatch(c -> c.rel() < 1e-6), "closed form, float32 rounding only: " + right.format());

        VerifyReport off = GradientVerifier.verify(file, new Scale(1.001), List.of(), new PlainCpuOps());
        assertFalse(off.passed(), "0.1% off is 10x the float32 tolerance: " + off.format());
        assertTrue(off.checks().stream().filter(c -> !c.tensor().startsWith("io.y")).allMatch(c -> !c.pass() && Math.abs(c.rel() - 1e-3) < 1e-4),
                off.format());
    }

    @Test
    void aProviderWithoutTheCapabilityIsRefusedByName() {
        VerifyReport r = GradientVerifier.verify(fixture(), new Plain(), List.of(), new PlainCpuOps());
        assertFalse(r.passed());
        assertTrue(r.format().contains("scale 1.0.0 offers no training capability: it needs io.jetrt.spi.TrainableProvider (SPI 1.3)"), r.format());
    }

    @Test
    void aBackendWithoutBackwardFails() {
        VerifyReport r = GradientVerifier.verify(fixture(), new Scale(1.0), List.of(Backend.REFERENCE), new PlainCpuOps());
        assertFalse(r.passed());
        assertTrue(r.format().contains("no backward on reference"), r.format());
    }
}
