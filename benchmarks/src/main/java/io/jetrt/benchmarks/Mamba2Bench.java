package io.jetrt.benchmarks;

import io.jetrt.blocks.mamba2.Mamba2Provider;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/**
 * Mamba2: D 1536, d_inner 3072, H 48, P 64, N 128, G 1. The scan kernel is the one production picks by chunk
 * length; {@code -p tokens=1,2,4} times the short chunks where it switches.
 */
public class Mamba2Bench extends BlockBench {
    @Override BlockProvider provider() { return new Mamba2Provider(); }

    @Override BlockConfig config() { return Layers.MAMBA2; }
}
