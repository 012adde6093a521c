package io.jetrt.conformance.selftest;

import io.jetrt.conformance.BlockConformance;
import io.jetrt.conformance.Check;
import io.jetrt.conformance.ConformanceFailure;
import io.jetrt.conformance.Shape;
import io.jetrt.conformance.selftest.RunningMeanProvider.Fault;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit catches what it claims to: each planted bug fails its own check, with a message that names the
 * provider, backend, check and shape, while the checks it should not trip still pass.
 */
class BlockConformanceTest {
    private static final Shape B1_T63 = Shape.of(1, 63), B3_T65 = Shape.of(3, 65);

    private static BlockConformance kit(Fault fault) {
        return new BlockConformance(new RunningMeanProvider(fault), RunningMeanConformanceTest.KitTestConfigs.runningMean(), 7);
    }

    /** Runs {@code body}, expects a failure of {@code check} whose message carries every one of {@code parts}. */
    private static ConformanceFailure fails(Check check, Executable body, String... parts) {
        ConformanceFailure f = assertThrows(ConformanceFailure.class, body);
        assertEquals(check, f.check(), f::getMessage);
        assertTrue(f.getMessage().contains(" " + check.id()), () -> "message must name the check " + check.id() + ": " + f.getMessage());
        assertTrue(f.getMessage().startsWith("running-mean 0.1.0"), () -> "message must name type and version: " + f.getMessage());
        for (String p : parts) assertTrue(f.getMessage().contains(p), () -> "message must contain '" + p + "': " + f.getMessage());
        return f;
    }

    @Test
    void correctBlockPassesCheckAll() {
        assertDoesNotThrow(() -> kit(Fault.NONE).checkAll(List.of(Shape.of(1, 1), Shape.of(3, 17))));
        assertEquals(1, kit(Fault.NONE).checkBackendsAgree(Shape.of(2, 5)), "reference vs cpu is one pair");
    }

    @Test
    void decodeThatIgnoresStateFailsChunking() {
        BlockConformance kit = kit(Fault.DECODE_IGNORES_STATE);
        fails(Check.CHUNKING, () -> kit.checkChunking(Backend.CPU, B1_T63), "[cpu]", "B=1 T=63", "prefill(31) + 32 decodes vs prefill(63)");
        fails(Check.CHUNKING, () -> kit.checkChunking(Backend.REFERENCE, B3_T65), "[reference]", "B=3 T=65");
        // a lone decode from a fresh state reads nothing, but it never writes its state back either
        fails(Check.CHUNKING, () -> kit.checkChunking(Backend.CPU, Shape.of(3, 1)), "1 decode vs prefill(1): final state running_sum");
        // the other checks run the same path on both sides
        assertDoesNotThrow(() -> kit.checkBatchIndependence(Backend.CPU, 63));
        assertDoesNotThrow(() -> kit.checkOutputs(Backend.CPU, B1_T63));
    }

    @Test
    void leakAcrossRowsFailsBatchIndependence() {
        BlockConformance kit = kit(Fault.LEAKS_ACROSS_ROWS);
        fails(Check.BATCH_INDEPENDENCE, () -> kit.checkBatchIndependence(Backend.CPU, 63), "[cpu]", "row 0 of the batch vs that row alone: y");
        fails(Check.BATCH_INDEPENDENCE, () -> kit.checkBatchIndependence(Backend.REFERENCE, 1), "[reference]", "B=3 T=1");
        assertDoesNotThrow(() -> kit.checkChunking(Backend.CPU, B3_T65));
        assertDoesNotThrow(() -> kit.checkStateRoundTrip(Backend.CPU, B3_T65));
    }

    @Test
    void skippedOutputFailsOutputs() {
        BlockConformance kit = kit(Fault.SKIPS_LAST_OUTPUT);
        fails(Check.OUTPUTS, () -> kit.checkOutputs(Backend.CPU, B1_T63), "[cpu]", "B=1 T=63",
                "left 12 of 756 outputs", "at [0, 62, 0]", "NaN means never written");
        fails(Check.OUTPUTS, () -> kit.checkOutputs(Backend.REFERENCE, B3_T65), "at [2, 64, 0]");
    }

    @Test
    void modifiedInputFailsOutputs() {
        fails(Check.OUTPUTS, () -> kit(Fault.MODIFIES_INPUT).checkOutputs(Backend.REFERENCE, B3_T65),
                "[reference]", "modified its input x [3, 65, 12] at [2, 64, 11]");
    }

    @Test
    void stateKeptInTheBlockFailsRoundTrip() {
        BlockConformance kit = kit(Fault.STATE_IN_INSTANCE);
        fails(Check.STATE_ROUND_TRIP, () -> kit.checkStateRoundTrip(Backend.CPU, B1_T63), "[cpu]",
                "continued from a copy by a fresh block vs continued in place");
        assertDoesNotThrow(() -> kit.checkChunking(Backend.CPU, B1_T63));
        assertDoesNotThrow(() -> kit.checkBatchIndependence(Backend.CPU, 63));
    }

    @Test
    void cpuThatDriftsFromTheReferenceFailsAgreement() {
        BlockConformance kit = kit(Fault.CPU_DRIFTS);
        fails(Check.BACKEND_AGREEMENT, () -> kit.checkBackendsAgree(B3_T65), "[cpu]", "cpu vs reference", "relative error", "> 1e-04");
        assertDoesNotThrow(() -> kit.checkChunking(Backend.CPU, B3_T65));
    }

    @Test
    void cudaRunsOnlyWhenAvailableAndIsHeldToItsTolerance() {
        assertEquals(List.of(Backend.REFERENCE, Backend.CPU), kit(Fault.CUDA_FAR_OFF).runnableBackends());
        assertEquals(1, kit(Fault.CUDA_FAR_OFF).checkBackendsAgree(B3_T65), "without a GPU only reference vs cpu");
        BlockConformance near = kit(Fault.CUDA_SLIGHTLY_OFF).withCudaAvailable(true);
        assertEquals(List.of(Backend.REFERENCE, Backend.CPU, Backend.CUDA), near.runnableBackends());
        assertEquals(2, near.checkBackendsAgree(B3_T65), "1e-3 off is inside 2e-2");
        fails(Check.BACKEND_AGREEMENT, () -> kit(Fault.CUDA_FAR_OFF).withCudaAvailable(true).checkBackendsAgree(B3_T65),
                "[cuda]", "cuda vs cpu", "> 2e-02");
    }

    @Test
    void initWeightsMissingADeclaredWeightFailsWeights() {
        fails(Check.WEIGHTS, () -> kit(Fault.INIT_MISSES_WEIGHT).checkWeights(), "missing [scale.weight], not declared []");
        // the other checks still run: the kit's weights come from the declarations
        assertDoesNotThrow(() -> kit(Fault.INIT_MISSES_WEIGHT).checkOutputs(Backend.CPU, B1_T63));
    }

    @Test
    void initWeightsIgnoringTheSeedFailsWeights() {
        fails(Check.WEIGHTS, () -> kit(Fault.INIT_IGNORES_SEED).checkWeights(), "same weights for seeds 7 and 8");
    }

    @Test
    void shrinkingOrDuplicateSlotsFailStateLayout() {
        fails(Check.STATE_LAYOUT, () -> kit(Fault.LAYOUT_SHRINKS).checkStateLayout(), "slot history", "fixed-size or grow with capacity");
        fails(Check.STATE_LAYOUT, () -> kit(Fault.LAYOUT_DUPLICATE_SLOT).checkStateLayout(), "slot running_sum twice");
    }

    @Test
    void rightGradientsPassCentralDifferences() {
        for (Backend b : List.of(Backend.REFERENCE, Backend.CPU)) {
            kit(Fault.NONE).checkGradients(b, Shape.of(1, 1));
            kit(Fault.NONE).checkGradients(b, Shape.of(2, 7));
        }
    }

    @Test
    void aGradientOnePercentOffFailsGradients() {
        fails(Check.GRADIENTS, () -> kit(Fault.GRADIENT_OFF).checkGradients(Backend.CPU, Shape.of(2, 7)),
                "gradient of scale.weight along a random direction");
    }

    @Test
    void aTrainingForwardThatDiffersFromTheBlockFailsGradients() {
        fails(Check.GRADIENTS, () -> kit(Fault.TRAINING_FORWARD_DIFFERS).checkGradients(Backend.CPU, Shape.of(2, 7)),
                "forward vs the block's prefill");
    }

    @Test
    void failuresAreAssertionErrorsForAnyFramework() {
        AssertionError e = assertThrows(AssertionError.class, () -> kit(Fault.LEAKS_ACROSS_ROWS).checkBatchIndependence(Backend.CPU, 5));
        assertInstanceOf(ConformanceFailure.class, e);
    }

    @Test
    void exceptionFromABlockIsReportedUnderTheCheck() {
        ConformanceFailure f = fails(Check.CHUNKING, () -> kit(Fault.THROWS_ON_DECODE).checkChunking(Backend.CPU, B1_T63),
                "decode at position 31 threw java.lang.IllegalStateException: running-mean: planted");
        assertInstanceOf(IllegalStateException.class, f.getCause());
    }

    @Test
    void configWithoutHiddenSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BlockConformance(new RunningMeanProvider(Fault.NONE), new BlockConfig("empty", Map.of()), 1));
        assertTrue(e.getMessage().contains("must set hidden_size"), e::getMessage);
    }
}
