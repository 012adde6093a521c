package io.jetrt.tests;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetrt verify} on every gradient fixture ({@code grad/<block>.safetensors}) with the built bundles: each block's
 * training capability reproduces the fixture on the CPU backends (forward, io.x and every weight) and the command exits
 * 0. (A provider without the capability is refused by name: GradientVerifierTest.)
 */
class VerifyGradientsTest {

    @ParameterizedTest
    @ValueSource(strings = {"jetblock", "gated_deltanet", "mamba2", "attention", "swa_attention"})
    void everyGradientFixturePassesOnTheCpu(String block) {
        Path file = Fixtures.dir().resolve("grad/" + block + ".safetensors");
        CompareRun r = CompareRun.run(Path.of("."), "verify", file.toString(), "--backend", "cpu",
                "--bundles", Fixtures.settings().bundles().toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains(block + ".safetensors gradients") && r.out().contains("io.x") && !r.out().contains("FAIL"), r.out());
    }
}
