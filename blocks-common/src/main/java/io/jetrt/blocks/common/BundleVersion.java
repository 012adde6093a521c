package io.jetrt.blocks.common;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;

/**
 * A block's implementation version is its bundle's ({@code Bundle-Version} in bnd.bnd), so two builds of a
 * bundle are two provider versions and the runtime can prefer, pin or swap between them.
 */
public final class BundleVersion {
    private BundleVersion() {}

    /** {@code major.minor.micro} of the bundle, without qualifier. */
    public static String of(Bundle bundle) {
        Version v = bundle.getVersion();
        return v.getMajor() + "." + v.getMinor() + "." + v.getMicro();
    }
}
