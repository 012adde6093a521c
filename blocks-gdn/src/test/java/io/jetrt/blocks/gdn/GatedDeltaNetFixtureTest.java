package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.MapWeights;
import io.jetrt.spi.Backend;
import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Gated DeltaNet against {@code fixtures/blocks/gated_deltanet.safetensors} (float64 reference of the upstream math): prefill
 * of {@code io.x [2, 37, 128]} from a fresh state, then five decode steps of {@code io.x_next}; outputs and every
 * state slot within rel 1e-4, on each backend.
 */
class GatedDeltaNetFixtureTest {
    private static final double TOL = 1e-4;
    private static Fixture fx;

    @BeforeAll
    static void load() { fx = Fixture.load("gated_deltanet.safetensors"); }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"REFERENCE", "CPU"})
    void prefillThenDecodeMatchesFixture(Backend backend) {
        GatedDeltaNetProvider p = new GatedDeltaNetProvider();
        Block block = p.create(fx.config(), new MapWeights("gated_deltanet.safetensors", fx.weights()), backend, Harness.SERVICES);
        FloatTensor x = fx.io("io.x"), xNext = fx.io("io.x_next");
        int batch = x.dim(0), seen = x.dim(1);
        BlockState state = new BlockState(batch, p.stateLayout(fx.config(), seen + xNext.dim(1)));
        String what = "gdn " + backend.id() + " fixture";

        Harness.assertClose(what + " io.y after prefill of x " + Arrays.toString(x.shape()), Harness.prefill(block, x, 0, state), fx.io("io.y"), TOL);
        assertEquals(fx.io().keySet().stream().filter(n -> n.startsWith("io.final.")).map(n -> n.substring(9)).sorted().toList(),
                state.tensors().keySet().stream().sorted().toList(), what + ": state slots");
        for (String slot : state.tensors().keySet()) {
            Harness.assertClose(what + " io.final." + slot, state.get(slot), fx.io("io.final." + slot), TOL);
        }

        Harness.assertClose(what + " io.y_next after 5 decode steps", Harness.decodeAll(block, xNext, seen, state), fx.io("io.y_next"), TOL);
        for (String slot : state.tensors().keySet()) {
            Harness.assertClose(what + " io.final_next." + slot, state.get(slot), fx.io("io.final_next." + slot), TOL);
        }
    }
}
