package io.jetrt.blocks.gdn;

import io.jetrt.spi.BlockConfig;

/** {@link GatedDeltaNetConformance} at the even config. */
class GatedDeltaNetEvenConformanceTest extends GatedDeltaNetConformance {
    @Override protected BlockConfig config() { return EVEN; }
}
