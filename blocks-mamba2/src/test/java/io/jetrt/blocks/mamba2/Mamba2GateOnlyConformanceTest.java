package io.jetrt.blocks.mamba2;

import io.jetrt.conformance.AbstractBlockConformanceTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/**
 * The conformance kit over Mamba2 with the optional weights off: rmsnorm=False (output {@code y ⊙ silu(z)}, no
 * norm.weight), no conv bias, one group, D per head; {@link Mamba2ConformanceTest} covers them on.
 */
class Mamba2GateOnlyConformanceTest extends AbstractBlockConformanceTest {

    @Override
    protected BlockProvider provider() { return new Mamba2Provider(); }

    @Override
    protected BlockConfig config() { return Mamba2Testing.config(16, 8, 4, 1, "rmsnorm", false, "use_conv_bias", false); }
}
