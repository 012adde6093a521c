package io.jetrt.blocks.jetblock;

import io.jetrt.spi.BlockConfig;

/** {@link JetBlockConformance} at the odd config. */
class JetBlockOddConformanceTest extends JetBlockConformance {
    @Override protected BlockConfig config() { return ODD; }
}
