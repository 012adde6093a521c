package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.testkit.Fixtures;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gradient golden file (../shared/fixtures/grad/mamba2.safetensors) through the runtime's gradient verifier, as
 * {@code jetrt verify} runs it: the training forward against io.y, and the backward's directional derivatives along
 * the stored directions against the fixture's float64 central differences, within 1e-4, on both host backends.
 */
class Mamba2GradientFixtureTest {

    @Test
    void backwardMatchesTheGradientFileOnReferenceAndCpu() {
        VerifyReport r = Fixtures.verifyGradients("mamba2.safetensors", new Mamba2Provider(), Backend.REFERENCE, Backend.CPU);
        System.out.print(r.format());
        // per backend: the forward (io.y), io.x and the eight weights the fixture's config declares
        assertEquals(2 * (1 + 1 + 8), r.checks().size(), r.format());
    }
}
