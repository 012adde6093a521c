package io.jetrt.blocks.gdn;

import io.jetrt.blocks.common.KernelImage;
import io.jetrt.blocks.testkit.GatedDeltaCudaTest;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;

/** The CUDA backend of Gated DeltaNet ({@code gdn.cu} through {@link GatedDeltaNetCuda}): {@link GatedDeltaCudaTest}. */
class GatedDeltaNetCudaTest extends GatedDeltaCudaTest {
    @Override protected BlockProvider provider() { return new GatedDeltaNetProvider(); }

    @Override protected KernelImage kernels() { return GatedDeltaNetCuda.IMAGE; }

    @Override protected String fixture() { return "gated_deltanet.safetensors"; }

    @Override protected BlockConfig oddConfig() { return GatedDeltaNetConformance.ODD; }

    @Override protected BlockConfig evenConfig() { return GatedDeltaNetConformance.EVEN; }
}
