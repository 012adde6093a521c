package io.jetrt.blocks.testkit;

import io.jetrt.blocks.common.PlainCpuOps;
import io.jetrt.runtime.verify.BlockVerifier;
import io.jetrt.runtime.verify.GradientVerifier;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockProvider;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The golden files of {@code ../shared/fixtures/blocks} (system property {@code jetrt.fixtures}), as {@code jetrt verify} runs them. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * {@code blocks/<file>} through the runtime's verifier on {@code backends}: declared weights, prefill output and
     * state, then the decode steps and their state, within the fixtures' tolerance. Asserts it passed; returns the
     * report, whose checks are the declarations, then per backend io.y, io.y_next and every io.final.* and
     * io.final_next.* slot.
     */
    public static VerifyReport verify(String file, BlockProvider provider, Backend... backends) {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        VerifyReport r = BlockVerifier.verify(Path.of(dir, "blocks", file), provider, List.of(backends), new PlainCpuOps());
        assertTrue(r.passed(), r.format());
        return r;
    }

    /**
     * {@code grad/<file>} through the runtime's gradient verifier on {@code backends}: the forward against io.y, then the
     * gradient of io.x and of every weight against the fixture's directional derivatives. Asserts it passed.
     */
    public static VerifyReport verifyGradients(String file, BlockProvider provider, Backend... backends) {
        String dir = System.getProperty("jetrt.fixtures");
        if (dir == null) throw new IllegalStateException("system property jetrt.fixtures must name the fixtures folder; it is unset");
        VerifyReport r = GradientVerifier.verify(Path.of(dir, "grad", file), provider, List.of(backends), new PlainCpuOps());
        assertTrue(r.passed(), r.format());
        return r;
    }
}
