package io.jetrt.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A block whose {@link BlockProvider#create} for {@link Backend#CUDA} runs on the GPU: the runtime keeps the
 * residual stream and the state on the device and calls these instead of the host methods of
 * {@link Block} (which such a block still implements, copying to and from the device, for checks and
 * tools). Inputs and outputs are float32.
 *
 * @since 1.1
 */
// implemented by block bundles (blocks-common HostBridgedBlock, copied into each bundle)
@ConsumerType
public interface DeviceBlock {

    /**
     * {@code T} tokens for each of {@code B} sequences: {@code x, y [B, T, D]}; {@code positions} i32 {@code [B]}
     * on the device and the same values in {@code hostPositions}; {@code state} updated in place.
     */
    void prefill(DeviceTensor x, DeviceTensor positions, int[] hostPositions, DeviceState state, DeviceTensor y);

    /**
     * One token per sequence, {@code x, y [B, 1, D]}. May be captured into a CUDA graph and replayed with new
     * inputs: read positions from the device tensor only, and keep to what {@link GpuOps} allows in decode.
     */
    void decode(DeviceTensor x, DeviceTensor positions, DeviceState state, DeviceTensor y);
}
