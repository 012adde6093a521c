package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.KernelImage;
import io.jetrt.conformance.BlockConformance;
import io.jetrt.conformance.Shape;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend of a gated-delta block against its CPU backend and its golden file. Skipped, with the reason,
 * where no GPU is usable. The conformance kit fills outputs with NaN before every call, so a kernel that leaves an
 * element unwritten fails.
 */
public abstract class GatedDeltaCudaTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 63),
            Shape.of(1, 65), Shape.of(3, 65), Shape.of(1, 500), Shape.of(3, 500));

    protected abstract BlockProvider provider();

    /** The bundle's compiled kernels. */
    protected abstract KernelImage kernels();

    /** The golden file under {@code fixtures/blocks}, e.g. {@code jetblock.safetensors}. */
    protected abstract String fixture();

    /** The conformance tests' configs: odd head sizes, and even ones. */
    protected abstract BlockConfig oddConfig();

    protected abstract BlockConfig evenConfig();

    /** Weight noise of the backend comparisons; the kit's default unless a block says why not. */
    protected double weightNoise() { return BlockConformance.DEFAULT_WEIGHT_NOISE; }

    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @Test
    void offersCudaWithItsKernels() {
        assertTrue(kernels().present(), kernels().missingReason());
        assertTrue(provider().backends().contains(Backend.CUDA));
    }

    @Test
    void matchesTheGoldenFile() {
        VerifyReport r = Fixtures.verify(fixture(), provider(), Backend.CUDA);
        assertTrue(r.checks().size() > 1, r.format());
    }

    @Test
    void agreesWithCpuAtTheOddConfig() { agree(oddConfig(), 11); }

    @Test
    void agreesWithCpuAtTheEvenConfig() { agree(evenConfig(), 12); }

    private void agree(BlockConfig config, long seed) {
        try (GpuBlockServices gpu = GpuBlockServices.open("test " + provider().type() + " cuda")) {
            BlockConformance kit = new BlockConformance(provider(), config, seed).withCudaAvailable(true).withServices(gpu)
                    .withWeightNoise(weightNoise());
            assertTrue(kit.runnableBackends().contains(Backend.CUDA), "cuda is not among " + kit.runnableBackends());
            for (Shape s : SHAPES) {
                int pairs = kit.checkBackendsAgree(s);
                assertTrue(pairs >= 1, config.where() + " " + s + ": no backend pair compared");
            }
        }
    }

    /** Three sequences at different positions, with different (random) states: decode steps on CUDA and CPU agree. */
    @Test
    void batchDecodeAtDifferentPositions() {
        for (BlockConfig config : List.of(oddConfig(), evenConfig())) {
            try (GpuBlockServices gpu = GpuBlockServices.open("test cuda decode at positions")) {
                BlockConformance kit = new BlockConformance(provider(), config, 21).withCudaAvailable(true).withServices(gpu);
                assertEquals(1, kit.checkDecodeAtPositions(new int[] {0, 17, 400}, 4, 0.5), config.where() + ": cuda did not run");
            }
        }
    }
}
