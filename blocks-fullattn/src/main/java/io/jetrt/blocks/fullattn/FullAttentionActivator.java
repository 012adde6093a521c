package io.jetrt.blocks.fullattn;

import io.jetrt.blocks.common.ProviderActivator;
import io.jetrt.spi.BlockProvider;

import java.util.List;

/** Registers the full-attention ({@code attn}) and sliding-window ({@code swa}) providers while the bundle is active. */
public final class FullAttentionActivator extends ProviderActivator {

    @Override
    protected List<BlockProvider> providers(String version) {
        return List.of(new AttentionProvider(false, version), new AttentionProvider(true, version));
    }
}
