package io.jetrt.benchmarks;

import io.jetrt.blocks.jetblock.JetBlockProvider;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/** JetBlock (Jet-Nemotron-2B's linear attention): D 1536, H 12, Dk 96, Dv 256, dynamic conv 4. */
public class JetBlockBench extends BlockBench {
    @Override BlockProvider provider() { return new JetBlockProvider(); }

    @Override BlockConfig config() { return Layers.JET; }
}
