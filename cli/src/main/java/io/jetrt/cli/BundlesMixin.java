package io.jetrt.cli;

import io.jetrt.runtime.RuntimeSettings;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --bundles DIR}, which every command accepts: where the runtime finds its block bundles. */
final class BundlesMixin {
    @Option(names = "--bundles", paramLabel = "DIR",
            description = "the block bundles directory (default: -Djetrt.bundles, else $JETRT_BUNDLES, else build/bundles)")
    Path dir;

    RuntimeSettings settings() {
        RuntimeSettings s = RuntimeSettings.defaults();
        return dir == null ? s : s.withBundles(dir);
    }
}
