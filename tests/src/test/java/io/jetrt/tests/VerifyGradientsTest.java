package io.jetrt.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetrt verify} on the gradient fixtures ({@code grad/<block>.safetensors}): a block whose bundle offers no
 * training is refused by name, with the SPI interface it would need, and the command exits 1.
 */
class VerifyGradientsTest {

    @Test
    void aBlockWithoutTheTrainingCapabilityIsNamed() {
        Path file = Fixtures.dir().resolve("grad/mamba2.safetensors");
        CompareRun r = CompareRun.run(Path.of("."), "verify", file.toString(), "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("mamba2.safetensors gradients") && r.out().contains("io.jetrt.blocks.mamba2")
                && r.out().contains("offers no training capability: it needs io.jetrt.spi.TrainableProvider (SPI 1.3)"), r.out());
    }
}
