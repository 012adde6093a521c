package io.jetrt.runtime;

import java.nio.file.Path;

/**
 * Settings of one runtime instance.
 *
 * @param bundles     directory whose bundle jars are installed at start
 * @param blas        use ND4J's BLAS for CPU GEMMs (else plain Java loops)
 * @param watchMillis when > 0, the bundles directory is watched at this period: jars added, changed or
 *                    removed install, update or uninstall their bundles while the runtime runs
 */
public record RuntimeSettings(Path bundles, boolean blas, long watchMillis) {

    /** Bundles from {@code -Djetrt.bundles}, else {@code $JETRT_BUNDLES}, else {@code ./build/bundles}; not watched. */
    public static RuntimeSettings defaults() {
        String dir = System.getProperty("jetrt.bundles", System.getenv().getOrDefault("JETRT_BUNDLES", "build/bundles"));
        return new RuntimeSettings(Path.of(dir), !Boolean.getBoolean("jetrt.noblas"), 0);
    }

    public RuntimeSettings withBundles(Path dir) { return new RuntimeSettings(dir, blas, watchMillis); }

    public RuntimeSettings watching(long millis) { return new RuntimeSettings(bundles, blas, millis); }
}
