package io.jetrt.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetrt verify} on the gradient fixtures ({@code grad/<block>.safetensors}): a trainable block's backward passes
 * and the command exits 0; a block whose bundle offers no training is refused by name, with the SPI interface it would
 * need, and the command exits 1.
 */
class VerifyGradientsTest {

    @Test
    void aTrainableBlockPasses() {
        Path file = Fixtures.dir().resolve("grad/mamba2.safetensors");
        CompareRun r = CompareRun.run(Path.of("."), "verify", file.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("mamba2.safetensors gradients") && r.out().contains("in_proj.weight")
                && r.out().contains("0 failed"), r.out());
    }

    /** JetBlock has no backward yet; when it gets one, point this at a block that still has none, or drop it. */
    @Test
    void aBlockWithoutTheTrainingCapabilityIsNamed() {
        Path file = Fixtures.dir().resolve("grad/jetblock.safetensors");
        CompareRun r = CompareRun.run(Path.of("."), "verify", file.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("jetblock.safetensors gradients") && r.out().contains("io.jetrt.blocks.jetblock")
                && r.out().contains("offers no training capability: it needs io.jetrt.spi.TrainableProvider (SPI 1.3)"), r.out());
    }
}
