package io.jetrt.blocks.jetblock;

import io.jetrt.spi.BlockConfig;

/** {@link JetBlockConformance} at the even config. */
class JetBlockEvenConformanceTest extends JetBlockConformance {
    @Override protected BlockConfig config() { return EVEN; }
}
