package io.jetrt.benchmarks;

import io.jetrt.blocks.gdn.GatedDeltaNetProvider;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/** Gated DeltaNet at the JetBlock's sizes: D 1536, H 12, Dk 96, Dv 256, short convs 4. */
public class GatedDeltaNetBench extends BlockBench {
    @Override BlockProvider provider() { return new GatedDeltaNetProvider(); }

    @Override BlockConfig config() { return Layers.GDN; }
}
