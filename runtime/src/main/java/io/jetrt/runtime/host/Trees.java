package io.jetrt.runtime.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting a directory tree, for scratch directories the runtime and its tools write. */
public final class Trees {
    private Trees() {}

    /** Deletes {@code dir} and everything below it, best effort (e.g. at shutdown): failures are ignored. */
    public static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: what cannot be deleted now stays
        }
    }
}
