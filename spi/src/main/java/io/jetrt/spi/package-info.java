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
 * 1.2 adds {@link io.jetrt.spi.GpuOps#matrixType()}. 1.3 adds training: {@link io.jetrt.spi.TrainableProvider} and
 * {@link io.jetrt.spi.Gradients}. 1.4 adds training on the GPU: {@link io.jetrt.spi.GpuOps#matmul}, the
 * products a device backward needs, and {@link io.jetrt.spi.DeviceTrainableProvider} with {@link io.jetrt.spi.DeviceTrainer}.
 *
 * <p>Versioning: semantic, checked at build by bnd's baseline against the last published SPI (spi/README.md).
 * A minor bump adds; a major bump breaks. Every type says who implements it: {@code @ConsumerType} types are
 * implemented in block bundles, so a new abstract method in one is a major change (a new default method is
 * minor); {@code @ProviderType} types are implemented only by the runtime, or cannot be implemented at all
 * (records, enums, final classes), so a new method is minor. A bundle that only uses and implements
 * consumer types imports {@code io.jetrt.spi;version="[1.4,2)"} when built against 1.4.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package io.jetrt.spi;
