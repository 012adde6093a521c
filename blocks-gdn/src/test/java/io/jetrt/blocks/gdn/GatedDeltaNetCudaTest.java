package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.conformance.BlockConformance;
import io.jetrt.conformance.Shape;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.verify.BlockVerifier;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend of Gated DeltaNet ({@code gdn.cu} through {@link GatedDeltaNetCuda}) against the CPU backend
 * and the golden file. Skipped, with the reason, where no GPU is usable. The conformance kit fills outputs with
 * NaN before every call, so a kernel that leaves an element unwritten fails.
 */
class GatedDeltaNetCudaTest {
    private static final List<Shape> SHAPES = List.of(Shape.of(1, 1), Shape.of(3, 1), Shape.of(1, 63), Shape.of(3, 63),
            Shape.of(1, 65), Shape.of(3, 65), Shape.of(1, 500), Shape.of(3, 500));

    @BeforeEach
    void needsGpu() {
        Assumptions.assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing());
    }

    @Test
    void offersCudaWithItsKernels() {
        assertTrue(GatedDeltaNetCuda.IMAGE.present(), GatedDeltaNetCuda.IMAGE.missingReason());
        assertTrue(new GatedDeltaNetProvider().backends().contains(Backend.CUDA));
    }

    @Test
    void matchesTheGoldenFile() {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        VerifyReport r = BlockVerifier.verify(Path.of(dir, "blocks", "gated_deltanet.safetensors"), new GatedDeltaNetProvider(),
                List.of(Backend.CUDA), new PlainCpuOps());
        assertTrue(r.passed(), r.format());
        assertTrue(r.checks().size() > 1, r.format());
    }

    @Test
    void agreesWithCpuAtTheOddConfig() { agree(GatedDeltaNetConformance.ODD, 11); }

    @Test
    void agreesWithCpuAtTheEvenConfig() { agree(GatedDeltaNetConformance.EVEN, 12); }

    private static void agree(BlockConfig config, long seed) {
        try (GpuBlockServices gpu = GpuBlockServices.open("test gdn cuda")) {
            BlockConformance kit = new BlockConformance(new GatedDeltaNetProvider(), config, seed).withCudaAvailable(true).withServices(gpu);
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
        for (BlockConfig config : List.of(GatedDeltaNetConformance.ODD, GatedDeltaNetConformance.EVEN)) {
            try (GpuBlockServices gpu = GpuBlockServices.open("test cuda decode at positions")) {
                BlockConformance kit = new BlockConformance(new GatedDeltaNetProvider(), config, 21).withCudaAvailable(true).withServices(gpu);
                assertEquals(1, kit.checkDecodeAtPositions(new int[] {0, 17, 400}, 4, 0.5), config.where() + ": cuda did not run");
            }
        }
    }
}
