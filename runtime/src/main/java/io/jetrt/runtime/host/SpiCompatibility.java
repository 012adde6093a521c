package io.jetrt.runtime.host;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Explains why a plug-in did not resolve when the reason is the SPI version: the bundle's import range
 * for {@code io.jetrt.spi} against the version this runtime exports, both named in the message.
 */
final class SpiCompatibility {
    private static final Pattern SPI_IMPORT = Pattern.compile("io\\.jetrt\\.spi\\s*;[^,]*?version\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern SPI_EXPORT = Pattern.compile("io\\.jetrt\\.spi\\s*;[^,]*?version\\s*=\\s*\"?([0-9.]+)");

    private SpiCompatibility() {}

    /** A message when {@code bundle} imports an SPI range that excludes the host's SPI version. */
    static Optional<String> mismatch(Bundle bundle, String hostExports) {
        String imports = bundle.getHeaders().get(Constants.IMPORT_PACKAGE);
        if (imports == null) return Optional.empty();
        Matcher imp = SPI_IMPORT.matcher(imports), exp = SPI_EXPORT.matcher(hostExports);
        if (!imp.find() || !exp.find()) return Optional.empty();
        VersionRange wanted = new VersionRange(imp.group(1));
        Version offered = Version.parseVersion(exp.group(1));
        if (wanted.includes(offered)) return Optional.empty();
        return Optional.of("bundle " + bundle.getSymbolicName() + " " + bundle.getVersion() + " was built against SPI io.jetrt.spi "
                + wanted + " but this runtime offers io.jetrt.spi " + offered + "; rebuild the plug-in against SPI "
                + offered.getMajor() + ".x");
    }
}
