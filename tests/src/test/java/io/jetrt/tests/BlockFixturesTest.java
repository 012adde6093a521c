package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.verify.Check;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every shared block fixture through the runtime's real path (provider from its Felix bundle): prefill
 * output and final state, then the continued decode steps and their state, within the README's tolerance,
 * on both CPU backends.
 */
class BlockFixturesTest {
    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    @ParameterizedTest
    @ValueSource(strings = {"attention", "swa_attention", "jetblock", "gated_deltanet", "mamba2"})
    void fixtureMatchesOnReferenceAndCpu(String block) {
        VerifyReport r = rt.blockVerifier().verify(Fixtures.block(block), List.of(Backend.REFERENCE, Backend.CPU));
        assertTrue(r.passed(), r.format());
        for (String backend : List.of("reference", "cpu")) {
            long compared = r.checks().stream().filter(c -> c.backend().equals(backend)).count();
            // io.y, io.y_next and at least one state slot after prefill and after decode
            assertTrue(compared >= 4, block + " " + backend + ": only " + compared + " tensors compared\n" + r.format());
        }
        assertTrue(r.checks().stream().filter(c -> !c.backend().equals("-")).allMatch(c -> c.rel() <= 1e-4));
        assertEquals(1, r.checks().stream().filter(c -> c.tensor().equals("weight declarations")).filter(Check::pass).count());
    }
}
