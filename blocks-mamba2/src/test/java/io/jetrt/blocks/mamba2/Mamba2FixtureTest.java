package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.runtime.verify.BlockVerifier;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden file (../shared/fixtures/blocks/mamba2.safetensors) through the runtime's verifier, as
 * {@code jetrt verify} runs it: declared weights, prefill output and state, then the decode steps and their
 * state, on both CPU backends, within the fixtures' 1e-4.
 */
class Mamba2FixtureTest {

    @Test
    void matchesTheGoldenFileOnReferenceAndCpu() {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        VerifyReport r = BlockVerifier.verify(Path.of(dir, "blocks", "mamba2.safetensors"), new Mamba2Provider(),
                List.of(Backend.REFERENCE, Backend.CPU), new PlainCpuOps());
        assertTrue(r.passed(), r.format());
        // declarations, then per backend: io.y, io.y_next and every io.final.* and io.final_next.* slot
        assertEquals(1 + 2 * 6, r.checks().size(), r.format());
    }
}
