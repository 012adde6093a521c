package io.jetrt.spi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a block instance computes. {@link #REFERENCE} is the plain per-token recurrence (the spec in
 * code); {@link #CPU} a fast CPU path that must equal it; {@link #CUDA} an NVIDIA GPU.
 * The runtime prefers CUDA, then CPU, then REFERENCE, among those a provider offers.
 */
// an enum: a new constant is an addition, since a block is only ever asked for backends it listed
@ProviderType
public enum Backend {
    REFERENCE, CPU, CUDA;

    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Backend parse(String id) {
        for (Backend b : values()) if (b.id().equals(id)) return b;
        throw new IllegalArgumentException("backend must be one of reference, cpu, cuda; got '" + id + "'");
    }
}
