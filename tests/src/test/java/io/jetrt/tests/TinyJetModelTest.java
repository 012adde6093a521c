package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.verify.Check;
import io.jetrt.runtime.verify.VerifyReport;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny Jet-Nemotron checkpoint end to end: logits, per-layer residuals, greedy ids exact, decode logits. */
class TinyJetModelTest {
    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void matchesExpected(Backend backend) {
        VerifyReport r = rt.modelVerifier().verify(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withBackend(backend));
        assertTrue(r.passed(), r.format());
        assertEquals(List.of("logits", "debug.layer_outputs", "generated_ids", "decode_logits"),
                r.checks().stream().map(Check::tensor).toList());
    }
}
