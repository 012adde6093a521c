package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Training on the GPU with everything in device memory (SPI 1.4): a {@link TrainableProvider} that also implements
 * this trains without host copies of its weights, activations or gradients, so a trainer can keep the teacher's
 * activations, the master weights and the optimizer's moments on the device. Optional: {@link TrainableProvider}'s
 * host-tensor calls on {@link Backend#CUDA} stay the reference of this path.
 */
// implemented by block bundles
@ConsumerType
public interface DeviceTrainableProvider {

    /**
     * A trainer for blocks of this config, on the GPU services given (kernels loaded once; the weights come with each
     * call). Throws, naming the layer, when the config or the bundle's kernels do not allow it.
     */
    DeviceTrainer deviceTrainer(BlockConfig config, GpuOps gpu);
}
