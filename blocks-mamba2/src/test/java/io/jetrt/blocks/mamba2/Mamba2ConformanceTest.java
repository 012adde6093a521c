package io.jetrt.blocks.mamba2;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/**
 * The jetrt conformance kit over Mamba2, its gradient check (training, SPI 1.3) included: D = 20, d_inner 40 in
 * 8 heads of odd P = 5, N = 3, two B/C and norm groups, with every optional weight (in/out_proj biases, D per channel).
 */
class Mamba2ConformanceTest extends AbstractBlockConformanceTest {

    @Override
    protected BlockProvider provider() { return new Mamba2Provider(); }

    @Override
    protected BlockConfig config() { return Mamba2Testing.config(20, 5, 3, 2, "use_bias", true, "D_has_hdim", true); }
}
