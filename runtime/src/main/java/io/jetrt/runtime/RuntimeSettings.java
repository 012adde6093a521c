package io.jetrt.runtime;

import java.nio.file.Path;

/**
 * Settings of one runtime instance.
 *
 * @param bundles directory whose bundle jars are installed at start
 * @param blas    use ND4J's BLAS for CPU GEMMs (else plain Java loops)
 */
public record RuntimeSettings(Path bundles, boolean blas) {

    /** Bundles from {@code -Djetrt.bundles}, else {@code $JETRT_BUNDLES}, else {@code ./build/bundles}. */
    public static RuntimeSettings defaults() {
        String dir = System.getProperty("jetrt.bundles", System.getenv().getOrDefault("JETRT_BUNDLES", "build/bundles"));
        return new RuntimeSettings(Path.of(dir), !Boolean.getBoolean("jetrt.noblas"));
    }

    public RuntimeSettings withBundles(Path dir) { return new RuntimeSettings(dir, blas); }
}
