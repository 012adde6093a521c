package io.jetrt.runtime.host;

import io.jetrt.spi.BlockProvider;
import org.osgi.framework.Bundle;

/** A provider found in the service registry, with the bundle that offers it. */
public record ProviderBinding(BlockProvider provider, Bundle bundle, int ranking, long serviceId) {

    public String bundleName() { return bundle.getSymbolicName() + " " + bundle.getVersion(); }

    @Override public String toString() {
        return provider.type() + " " + provider.version() + " from " + bundleName();
    }
}
