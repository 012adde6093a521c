package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.model.BlockFaultException;
import io.jetrt.runtime.model.ComposeException;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.spi.FloatTensor;
import io.jetrt.tests.faulty.FaultyActivator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.osgi.framework.Bundle;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken plug-ins never take the runtime down: each failure names the bundle (and the layer), and once the
 * bundle is gone the model runs as before.
 */
class FaultyPluginTest {
    @TempDir Path bundles;
    @TempDir Path jars;
    JetRuntime rt;
    Model model;
    int[] prompt = {3, 1, 4, 1, 5, 9, 2, 6};

    @BeforeEach void start() throws Exception {
        rt = JetRuntime.start(Fixtures.copyOfBundles(bundles));
        model = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT);
    }

    @AfterEach void stop() { rt.close(); }

    private Path faulty(String mode, String spiRange) throws Exception {
        return BundleJars.fromTestPackage(FaultyActivator.class.getPackage(), Map.of(
                "Bundle-SymbolicName", "io.jetrt.tests.faulty." + mode,
                "Bundle-Version", "9.0.0",
                "Bundle-Activator", FaultyActivator.class.getName(),
                "Faulty-Mode", mode,
                "Import-Package", "io.jetrt.spi;version=\"" + spiRange + "\",org.osgi.framework;version=\"[1.10,2)\""),
                jars.resolve(mode + ".jar"));
    }

    private float[] logits() { return model.forward(prompt, 1, model.newState(1, prompt.length), true, null).data(); }

    @Test
    void activationThatThrowsIsReportedAndNothingChanges() throws Exception {
        float[] before = logits();
        BundleManager.Outcome o = rt.bundles().install(faulty("throw-in-activation", "[1.0,2)"));
        assertEquals(1, o.failures().size(), o.toString());
        assertTrue(o.failures().getFirst().contains("io.jetrt.tests.faulty.throw-in-activation")
                && o.failures().getFirst().contains("activation fails on purpose"), o.failures().getFirst());
        assertEquals(Bundle.ACTIVE, rt.host().framework().getState());
        assertEquals("io.jetrt.blocks.fullattn", model.layers().get(3).binding().bundle().getSymbolicName());
        assertArrayEquals(before, logits(), 0f);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"throw-in-compute,compute fails on purpose", "nan,returned NaN", "partial-write,returned NaN"})
    void computeFaultNamesLayerAndBundleAndTheModelRecovers(String mode, String expected) throws Exception {
        float[] before = logits();
        Path jar = faulty(mode, "[1.0,2)");
        assertTrue(rt.bundles().install(jar).ok());
        assertEquals("io.jetrt.tests.faulty." + mode, model.layers().get(3).binding().bundle().getSymbolicName(),
                "the higher version should have taken layer 3 over");
        BlockFaultException e = assertThrows(BlockFaultException.class, this::logits);
        assertTrue(e.getMessage().contains("layer 3") && e.getMessage().contains("io.jetrt.tests.faulty." + mode)
                && e.getMessage().contains(expected), e.getMessage());
        assertTrue(rt.bundles().uninstall(jar).ok());
        assertEquals("io.jetrt.blocks.fullattn", model.layers().get(3).binding().bundle().getSymbolicName());
        assertArrayEquals(before, logits(), 0f);
    }

    @Test
    void declaringAWeightTheCheckpointLacksIsRefusedNamingBundleAndTensor() throws Exception {
        assertTrue(rt.bundles().install(faulty("extra-weight", "[1.0,2)")).ok());
        // the running model keeps its binding: the new provider cannot take the layer
        assertEquals("io.jetrt.blocks.fullattn", model.layers().get(3).binding().bundle().getSymbolicName());
        for (float v : logits()) assertTrue(Float.isFinite(v));
        // a new model reports the problem before any compute
        ComposeException e = assertThrows(ComposeException.class, () -> rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT));
        assertTrue(e.getMessage().contains("io.jetrt.tests.faulty.extra-weight")
                && e.getMessage().contains("model.layers.3.self_attn.extra.weight [4] is missing"), e.getMessage());
    }

    @Test
    void pluginBuiltAgainstAnotherSpiMajorIsRefusedNamingBothVersions() throws Exception {
        BundleManager.Outcome o = rt.bundles().install(faulty("other-spi", "[2.0,3)"));
        assertFalse(o.ok());
        String msg = o.failures().getFirst();
        assertTrue(msg.contains("io.jetrt.tests.faulty.other-spi") && msg.contains("[2.0.0,3.0.0)") && msg.contains("offers io.jetrt.spi 1."), msg);
        assertEquals("io.jetrt.blocks.fullattn", model.layers().get(3).binding().bundle().getSymbolicName());
    }

    @Test
    void pinnedLayerIgnoresAHigherVersion() throws Exception {
        Model pinned = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withPins(io.jetrt.runtime.model.LayerRules.parse("attn:1.0")));
        assertTrue(rt.bundles().install(faulty("throw-in-compute", "[1.0,2)")).ok());
        assertEquals("io.jetrt.blocks.fullattn", pinned.layers().get(3).binding().bundle().getSymbolicName());
        assertEquals("io.jetrt.tests.faulty.throw-in-compute", model.layers().get(3).binding().bundle().getSymbolicName());
        FloatTensor out = pinned.forward(prompt, 1, pinned.newState(1, prompt.length), false, null);
        for (float v : out.data()) assertTrue(Float.isFinite(v));
    }
}
