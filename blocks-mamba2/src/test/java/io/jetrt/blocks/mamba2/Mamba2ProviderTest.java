package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.jetrt.blocks.mamba2.Mamba2Testing.*;
import static org.junit.jupiter.api.Assertions.*;

/** Identity, declared weights and state, initialisation, and config validation of the Mamba2 provider. */
class Mamba2ProviderTest {

    @Test
    void identity() {
        assertEquals("mamba2", PROVIDER.type());
        assertEquals("1.0.0", PROVIDER.version());
        assertEquals(Set.of(), PROVIDER.aliases());
        // cuda exactly when the build compiled the kernels into the bundle (it needs nvcc, not a GPU)
        assertEquals(Mamba2Provider.KERNELS.present() ? Set.of(Backend.REFERENCE, Backend.CPU, Backend.CUDA)
                : Set.of(Backend.REFERENCE, Backend.CPU), PROVIDER.backends());
    }

    /** BLOCKS.md §6's example: the defaults at the 2B hidden size. */
    @Test
    void defaultsAtTwoBShape() {
        BlockConfig cfg = new BlockConfig("2B-like", Map.of("hidden_size", 1536));
        Mamba2Config c = Mamba2Config.from(cfg);
        assertEquals(3072, c.dInner());
        assertEquals(48, c.heads());
        assertEquals(3328, c.convDim());
        assertEquals(6448, c.inProjRows());
        assertEquals(List.of(WeightDecl.of("in_proj.weight", 6448, 1536), WeightDecl.of("conv1d.weight", 3328, 1, 4),
                WeightDecl.of("conv1d.bias", 3328), WeightDecl.of("dt_bias", 48), WeightDecl.of("A_log", 48),
                WeightDecl.of("D", 48), WeightDecl.of("norm.weight", 3072), WeightDecl.of("out_proj.weight", 1536, 3072)),
                PROVIDER.weights(cfg));
        assertEquals(List.of(StateSlot.f32("conv_state", 3328, 4), StateSlot.f32("ssm_state", 48, 64, 128)),
                PROVIDER.stateLayout(cfg, 4096));
    }

    @Test
    void optionalWeightsFollowTheFlags() {
        BlockConfig cfg = config(16, 8, 4, 2, "use_bias", true, "use_conv_bias", false, "rmsnorm", false, "D_has_hdim", true);
        assertEquals(List.of(WeightDecl.of("in_proj.weight", 32 + 32 + 16 + 4, 16), WeightDecl.of("in_proj.bias", 84),
                WeightDecl.of("conv1d.weight", 48, 1, 4), WeightDecl.of("dt_bias", 4), WeightDecl.of("A_log", 4),
                WeightDecl.of("D", 32), WeightDecl.of("out_proj.weight", 16, 32), WeightDecl.of("out_proj.bias", 16)),
                PROVIDER.weights(cfg));
    }

    @Test
    void initWeightsMatchTheDeclarationAndSection6() {
        for (BlockConfig cfg : List.of(config(64, 16, 32, 2), config(16, 8, 4, 1, "use_bias", true, "D_has_hdim", true))) {
            Map<String, FloatTensor> w = PROVIDER.initWeights(cfg, 7);
            List<WeightDecl> got = w.entrySet().stream().map(e -> WeightDecl.of(e.getKey(), e.getValue().shape())).toList();
            assertEquals(PROVIDER.weights(cfg), got, cfg.where());
            assertEquals(w, PROVIDER.initWeights(cfg, 7), "same seed, same weights");
            assertNotEquals(w.get("in_proj.weight"), PROVIDER.initWeights(cfg, 8).get("in_proj.weight"), "another seed");
            for (float v : w.get("A_log").data()) assertTrue(v >= 0 && v <= Math.log(16), "A_log in [log 1, log 16]: " + v);
            for (float v : w.get("dt_bias").data()) {
                double dt = Math.log1p(Math.exp(v));
                assertTrue(dt >= 1e-4 * 0.999 && dt <= 0.1 * 1.001, "softplus(dt_bias) in [1e-3, 0.1]: " + dt);
            }
            assertEquals(FloatTensor.filled(1f, w.get("D").shape()), w.get("D"));
            assertEquals(FloatTensor.filled(1f, w.get("norm.weight").shape()), w.get("norm.weight"));
            for (String b : List.of("conv1d.bias", "in_proj.bias", "out_proj.bias")) {
                if (w.containsKey(b)) assertEquals(FloatTensor.zeros(w.get(b).shape()), w.get(b), b);
            }
            double std = std(w.get("in_proj.weight"));
            assertEquals(0.02, std, 0.002, "in_proj.weight std");
            assertEquals(0.02, std(w.get("conv1d.weight")), 0.004, "conv1d.weight std");
        }
        assertEquals(0.05, std(PROVIDER.initWeights(config(64, 16, 32, 1, "initializer_range", 0.05), 1).get("out_proj.weight")),
                0.005, "initializer_range is used");
    }

    @Test
    void defaultDtLimitIsAccepted() {
        assertEquals(16, Mamba2Config.from(config(16, 8, 4, 1, "time_step_limit", List.of(0.0, "Infinity"))).hidden());
        assertEquals(16, Mamba2Config.from(config(16, 8, 4, 1, "dt_limit", List.of(0L, Double.POSITIVE_INFINITY))).hidden());
    }

    @Test
    void normEpsMayBeAString() {
        assertEquals(1e-5, Mamba2Config.from(config(16, 8, 4, 1, "norm_eps", "1e-5")).normEps());
        assertEquals(1e-6, Mamba2Config.from(config(16, 8, 4, 1, "norm_eps", 1e-6)).normEps());
    }

    @Test
    void badConfigsNameTheFieldAndTheValue() {
        assertBad(config(16, 8, 4, 1, "norm_before_gate", true), "norm_before_gate must be false");
        assertBad(config(16, 8, 4, 1, "time_step_limit", List.of(0.0, 0.1)), "time_step_limit must be [0.0, inf]");
        assertBad(config(16, 8, 4, 1, "dt_limit", List.of(0.001)), "dt_limit must be [0.0, inf]");
        assertBad(config(16, 8, 4, 1, "num_heads", 3), "num_heads must be d_inner / head_dim = 4; got 3");
        assertBad(config(16, 5, 4, 1), "head_dim must be a divisor of d_inner");
        assertBad(config(16, 8, 4, 3), "n_groups must be > 0 and a divisor of num_heads (4); got 3");
        assertBad(config(16, 8, 0, 1), "state_size must be > 0; got 0");
        assertBad(config(16, 8, 4, 1, "conv_kernel", 0), "conv_kernel must be > 0; got 0");
        assertBad(config(16, 8, 4, 1, "norm_eps", "abc"), "norm_eps must be a number; got abc");
        assertBad(config(16, 8, 4, 1, "hidden_act", "gelu"), "hidden_act must be silu");
        assertBad(config(16, 8, 4, 1, "rmsnorm", "yes"), "rmsnorm must be true or false; got yes");
        assertBad(new BlockConfig("layer 3", Map.of("expand", 2)), "layer 3: hidden_size must be set");
    }

    @Test
    void createRefusesOtherBackends() {
        BlockConfig cfg = config(16, 8, 4, 1);
        var w = new MapWeights("t", PROVIDER.initWeights(cfg, 1));
        if (Mamba2Provider.KERNELS.present()) {
            // cuda is offered, but these services have no GPU: the SPI's own refusal, naming why
            var u = assertThrows(UnsupportedOperationException.class, () -> PROVIDER.create(cfg, w, Backend.CUDA, SERVICES));
            assertTrue(u.getMessage().contains("no GPU services"), u.getMessage());
        } else {
            var e = assertThrows(IllegalArgumentException.class, () -> PROVIDER.create(cfg, w, Backend.CUDA, SERVICES));
            assertTrue(e.getMessage().contains("backend must be one of"), e.getMessage());
        }
        assertInstanceOf(Mamba2Reference.class, PROVIDER.create(cfg, w, Backend.REFERENCE, SERVICES));
        var bad = new java.util.LinkedHashMap<>(w.tensors());
        bad.put("D", FloatTensor.zeros(3));
        var e = assertThrows(IllegalArgumentException.class, () -> PROVIDER.create(cfg, new MapWeights("t", bad), Backend.CPU, SERVICES));
        assertTrue(e.getMessage().contains("weight D must have shape [4]; got [3]"), e.getMessage());
        assertInstanceOf(Mamba2Cpu.class, PROVIDER.create(cfg, w, Backend.CPU, SERVICES));
    }

    /** Training is offered where the block runs (cuda only with its kernels); a weight of the wrong shape is refused by name. */
    @Test
    void trainingIsOfferedWhereTheBlockRuns() {
        assertEquals(PROVIDER.backends(), PROVIDER.trainingBackends());
        assertTrue(PROVIDER.trainingBackends().containsAll(Set.of(Backend.REFERENCE, Backend.CPU)));
        assertEquals(Mamba2Provider.KERNELS.present(), PROVIDER.trainingBackends().contains(Backend.CUDA));
        BlockConfig cfg = config(16, 8, 4, 1);
        var w = new MapWeights("t", PROVIDER.initWeights(cfg, 1));
        FloatTensor x = FloatTensor.zeros(1, 2, 16);
        var bad = new java.util.LinkedHashMap<>(w.tensors());
        bad.put("A_log", FloatTensor.zeros(3));
        var e = assertThrows(IllegalArgumentException.class, () -> PROVIDER.forward(cfg, new MapWeights("t", bad), x, Backend.CPU, SERVICES));
        assertTrue(e.getMessage().contains("weight A_log must have shape [4]; got [3]"), e.getMessage());
    }

    private static void assertBad(BlockConfig cfg, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> PROVIDER.weights(cfg));
        assertTrue(e.getMessage().startsWith(cfg.where() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static double std(FloatTensor t) {
        double s = 0;
        for (float v : t.data()) s += (double) v * v;
        return Math.sqrt(s / t.size());
    }
}
