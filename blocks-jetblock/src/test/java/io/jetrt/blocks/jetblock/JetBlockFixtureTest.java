package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.testkit.Fixtures;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The golden file (../shared/fixtures/blocks/jetblock.safetensors) through the runtime's verifier, as
 * {@code jetrt verify} runs it: declared weights, prefill output and state, then the decode steps and their
 * state, on both CPU backends, within the fixtures' 1e-4.
 */
class JetBlockFixtureTest {

    @Test
    void matchesTheGoldenFileOnReferenceAndCpu() {
        VerifyReport r = Fixtures.verify("jetblock.safetensors", new JetBlockProvider(), Backend.REFERENCE, Backend.CPU);
        // declarations, then per backend: io.y, io.y_next and every io.final.* and io.final_next.* slot
        assertEquals(1 + 2 * 6, r.checks().size(), r.format());
    }
}
