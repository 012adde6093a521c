package io.jetrt.blocks.jetblock;

import io.jetrt.blocks.common.ProviderActivator;
import io.jetrt.spi.BlockProvider;

import java.util.List;

/** Registers the {@link JetBlockProvider} while the bundle is active. */
public final class JetBlockActivator extends ProviderActivator {

    @Override
    protected List<BlockProvider> providers(String version) {
        return List.of(new JetBlockProvider(version));
    }
}
