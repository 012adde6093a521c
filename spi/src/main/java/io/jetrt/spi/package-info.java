/**
 * The jetrt block SPI: what a block bundle implements ({@link io.jetrt.spi.BlockProvider},
 * {@link io.jetrt.spi.Block}) and what the runtime offers it ({@link io.jetrt.spi.Weights},
 * {@link io.jetrt.spi.BlockState}, {@link io.jetrt.spi.CpuOps}).
 *
 * <p>Shapes are written {@code [B, T, D]}: batch, time, channels. Weights are {@code [out, in]} as in
 * Hugging Face checkpoints, so {@code Linear(x) = x · Wᵀ}. All tensors are row-major float32 on the CPU.
 *
 * <p>1.1 adds the GPU side: a provider that offers {@link io.jetrt.spi.Backend#CUDA} gets {@link io.jetrt.spi.GpuOps}
 * from {@link io.jetrt.spi.BlockServices#gpu()} and returns a block that is also a {@link io.jetrt.spi.DeviceBlock}.
 *
 * <p>Versioning: semantic. A minor bump adds; a major bump breaks. A bundle imports {@code [1.0, 2)}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.jetrt.spi;
