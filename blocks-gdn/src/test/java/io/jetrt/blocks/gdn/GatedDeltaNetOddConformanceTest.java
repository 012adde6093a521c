package io.jetrt.blocks.gdn;

import io.jetrt.spi.BlockConfig;

/** {@link GatedDeltaNetConformance} at the odd config. */
class GatedDeltaNetOddConformanceTest extends GatedDeltaNetConformance {
    @Override protected BlockConfig config() { return ODD; }
}
