package io.jetrt.tests;

import io.jetrt.runtime.RuntimeSettings;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared golden fixtures and the built bundles are; both are required, never skipped. */
final class Fixtures {
    private Fixtures() {}

    static Path dir() {
        String p = System.getProperty("jetrt.fixtures");
        if (p == null || !Files.isDirectory(Path.of(p))) {
            throw new IllegalStateException("fixtures not found: -Djetrt.fixtures=" + p + " (expected ../shared/fixtures beside the checkout)");
        }
        return Path.of(p);
    }

    static Path block(String name) { return dir().resolve("blocks").resolve(name + ".safetensors"); }

    static Path tinyJet() { return dir().resolve("model/tiny-jet"); }

    /** The built bundles copied into {@code dir}, for tests that change what is installed. */
    static RuntimeSettings copyOfBundles(Path dir) throws java.io.IOException {
        try (var s = Files.newDirectoryStream(settings().bundles(), "*.jar")) {
            for (Path jar : s) Files.copy(jar, dir.resolve(jar.getFileName()));
        }
        return new RuntimeSettings(dir, true, 0);
    }

    static RuntimeSettings settings() {
        String b = System.getProperty("jetrt.bundles");
        if (b == null || !Files.isDirectory(Path.of(b))) throw new IllegalStateException("bundles not found: -Djetrt.bundles=" + b);
        return new RuntimeSettings(Path.of(b), true, 0);
    }
}
