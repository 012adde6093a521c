package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.ProviderActivator;
import io.jetrt.spi.BlockProvider;

import java.util.List;

/** Registers the {@link GatedDeltaNetProvider} while the bundle is active. */
public final class GatedDeltaNetActivator extends ProviderActivator {

    @Override
    protected List<BlockProvider> providers(String version) {
        return List.of(new GatedDeltaNetProvider(version));
    }
}
