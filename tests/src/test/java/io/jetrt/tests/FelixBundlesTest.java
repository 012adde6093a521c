package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.host.ProviderBinding;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block bundles really run inside Felix, and a composed model's layers come from their services. */
class FelixBundlesTest {
    static JetRuntime rt;

    @BeforeAll static void start() { rt = JetRuntime.start(Fixtures.settings()); }

    @AfterAll static void stop() { rt.close(); }

    @Test
    void everyBlockBundleIsActiveAndOffersItsTypes() {
        List<Bundle> ours = rt.host().bundles().stream().filter(b -> b.getSymbolicName().startsWith("io.jetrt.blocks.")).toList();
        assertEquals(Set.of("io.jetrt.blocks.fullattn", "io.jetrt.blocks.jetblock", "io.jetrt.blocks.gdn", "io.jetrt.blocks.mamba2"),
                Set.copyOf(ours.stream().map(Bundle::getSymbolicName).toList()));
        for (Bundle b : ours) assertEquals(Bundle.ACTIVE, b.getState(), b.getSymbolicName() + " is not active");
        assertEquals(Set.of("attn", "swa", "jet", "gdn", "mamba2"), rt.registry().types());
    }

    @Test
    void providersAreLoadedByTheirBundleNotTheClassPath() {
        for (ProviderBinding p : rt.registry().all()) {
            Bundle owner = FrameworkUtil.getBundle(p.provider().getClass());
            assertNotNull(owner, p + " was not loaded by a bundle class loader");
            assertEquals(p.bundle().getBundleId(), owner.getBundleId());
            assertNotSame(ClassLoader.getSystemClassLoader(), p.provider().getClass().getClassLoader());
        }
    }

    @Test
    void tinyJetAttentionLayersAreBoundToTheFullAttentionBundle() {
        Model m = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT);
        assertEquals(List.of("jet", "swa", "jet", "attn", "jet", "swa"), m.layers().stream().map(Layer::type).toList());
        for (Layer l : m.layers()) {
            String expected = l.type().equals("jet") ? "io.jetrt.blocks.jetblock" : "io.jetrt.blocks.fullattn";
            assertEquals(expected, l.binding().bundle().getSymbolicName(), "layer " + l.index());
            assertEquals(expected, FrameworkUtil.getBundle(l.block().getClass()).getSymbolicName(), "layer " + l.index() + " block class");
        }
        assertTrue(m.layers().stream().allMatch(l -> l.weightSource().startsWith("checkpoint")));
    }
}
