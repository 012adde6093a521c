package io.jetrt.blocks.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A bundle's compiled CUDA kernels: the fatbin nvcc wrote into the bundle's resources at build time
 * ({@code scripts/nvcc-fatbin.sh}), or the reason it is not there ({@code <resource>.missing}).
 * A provider offers {@code cuda} only when its image is present.
 */
public final class KernelImage {
    private final Class<?> anchor;
    private final String resource;
    /** Read once: GpuOps keeps one loaded module per image array, so every block and trainer shares it. */
    private volatile byte[] bytes;

    /** {@code resource} is absolute in the bundle, e.g. {@code /io/jetrt/blocks/jetblock/jetblock.fatbin}. */
    public KernelImage(Class<?> anchor, String resource) {
        this.anchor = anchor;
        this.resource = resource;
    }

    public boolean present() { return anchor.getResource(resource) != null; }

    /** The image's bytes (the same array on every call: not to be changed); throws naming the resource and why it is missing. */
    public byte[] bytes() {
        byte[] b = bytes;
        if (b == null) bytes = b = read();
        return b;
    }

    private byte[] read() {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("kernels missing: " + missingReason());
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource + " of " + anchor.getName(), e);
        }
    }

    /** Why the image is absent, from the marker the build left; null when present. */
    public String missingReason() {
        if (present()) return null;
        try (InputStream in = anchor.getResourceAsStream(resource + ".missing")) {
            String why = in == null ? "not built" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return resource + " is not in the bundle (" + why + ")";
        } catch (IOException e) {
            return resource + " is not in the bundle (" + e + ")";
        }
    }
}
