package io.jetrt.tests;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWiring;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 500 install → update → uninstall cycles of a block bundle: afterwards its class loaders are collected,
 * and heap and loaded-class counts are back at their baseline.
 */
class BundleCycleLeakTest {
    static final int CYCLES = 500;

    @Test
    void cyclesLeaveNoClassLoadersBehind(@TempDir Path empty, @TempDir Path work) throws Exception {
        Path a = BundleJars.withVersion(BundleJars.built("fullattn"), "3.0.0", work.resolve("a.jar"));
        Path b = BundleJars.withVersion(BundleJars.built("fullattn"), "3.0.1", work.resolve("b.jar"));
        Path jar = work.resolve("cycled.jar");
        try (JetRuntime rt = JetRuntime.start(new RuntimeSettings(empty, false, 0))) {
            for (int i = 0; i < 20; i++) cycle(rt, a, b, jar, null); // warm-up: JIT, framework caches
            long heap0 = settledHeap(), classes0 = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
            List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
            for (int i = 0; i < CYCLES; i++) cycle(rt, a, b, jar, loaders);
            long heap1 = settledHeap(), classes1 = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
            long alive = loaders.stream().filter(r -> r.get() != null).count();
            assertEquals(2 * CYCLES, loaders.size());
            assertEquals(0, alive, alive + " of " + loaders.size() + " bundle class loaders are still reachable");
            assertTrue(classes1 - classes0 < 100, "loaded classes grew from " + classes0 + " to " + classes1);
            assertTrue(heap1 - heap0 < 32L << 20, "heap grew from " + (heap0 >> 20) + " MiB to " + (heap1 >> 20) + " MiB");
            assertEquals(List.of(), rt.host().bundles().stream().filter(x -> x.getBundleId() != 0).toList());
        }
    }

    private static void cycle(JetRuntime rt, Path a, Path b, Path jar, List<WeakReference<ClassLoader>> loaders) throws Exception {
        Files.copy(a, jar, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(rt.bundles().install(jar).ok());
        track(rt, jar, loaders);
        Files.copy(b, jar, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(rt.bundles().update(jar).ok());
        track(rt, jar, loaders);
        assertEquals(2, rt.registry().all().size(), "the bundle offers attn and swa");
        assertTrue(rt.bundles().uninstall(jar).ok());
        assertEquals(0, rt.registry().all().size());
    }

    private static void track(JetRuntime rt, Path jar, List<WeakReference<ClassLoader>> loaders) {
        if (loaders == null) return;
        Bundle bundle = rt.bundles().bundleOf(jar).orElseThrow();
        loaders.add(new WeakReference<>(bundle.adapt(BundleWiring.class).getClassLoader()));
    }

    private static long settledHeap() throws InterruptedException {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return r.totalMemory() - r.freeMemory();
    }
}
