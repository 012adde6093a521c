package io.jetrt.blocks.mamba2;

import io.jetrt.blocks.common.ProviderActivator;
import io.jetrt.spi.BlockProvider;

import java.util.List;

/** Registers the {@link Mamba2Provider} while the bundle is active. */
public final class Mamba2Activator extends ProviderActivator {

    @Override
    protected List<BlockProvider> providers(String version) {
        return List.of(new Mamba2Provider(version));
    }
}
