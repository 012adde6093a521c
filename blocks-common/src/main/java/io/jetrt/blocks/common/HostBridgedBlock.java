package io.jetrt.blocks.common;

import io.jetrt.spi.Block;
import io.jetrt.spi.BlockState;
import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceBlock;
import io.jetrt.spi.DeviceState;
import io.jetrt.spi.DeviceTensor;
import io.jetrt.spi.FloatTensor;
import io.jetrt.spi.GpuOps;
import io.jetrt.spi.StateSlot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of a GPU block: the host methods of {@link Block} copy inputs, output and state to the device, run
 * the {@link DeviceBlock} methods, and copy output and state back. The runtime's GPU model never uses
 * them (it keeps everything on the device); checks, the conformance kit and tools do. The output is
 * uploaded as the caller left it, so a host {@code y} poisoned with NaN stays poisoned where a kernel
 * does not write. The bridge is for one thread at a time: its scratch is given back when it downloads.
 */
public abstract class HostBridgedBlock implements Block, DeviceBlock {
    protected final GpuOps gpu;

    protected HostBridgedBlock(GpuOps gpu) { this.gpu = gpu; }

    @Override
    public final void prefill(FloatTensor x, int[] positions, BlockState state, FloatTensor y) { bridge(x, positions, state, y, false); }

    @Override
    public final void decode(FloatTensor x, int[] positions, BlockState state, FloatTensor y) { bridge(x, positions, state, y, true); }

    private void bridge(FloatTensor x, int[] positions, BlockState state, FloatTensor y, boolean decode) {
        List<DeviceTensor> owned = new ArrayList<>();
        try {
            DeviceTensor dx = own(owned, gpu.upload(x, DType.F32));
            DeviceTensor dy = own(owned, gpu.upload(y, DType.F32));
            DeviceTensor dpos = own(owned, gpu.upload(positions));
            Map<String, DeviceTensor> slots = new LinkedHashMap<>();
            for (StateSlot s : state.layout()) slots.put(s.name(), own(owned, gpu.upload(state.get(s.name()), DType.F32)));
            DeviceState ds = new DeviceState(state.batch(), state.layout(), slots);
            if (decode) decode(dx, dpos, ds, dy);
            else prefill(dx, dpos, positions.clone(), ds, dy);
            copyInto(gpu.download(dy), y);
            for (StateSlot s : state.layout()) copyInto(gpu.download(slots.get(s.name())), state.get(s.name()));
        } finally {
            for (DeviceTensor t : owned) gpu.free(t);
        }
    }

    private static DeviceTensor own(List<DeviceTensor> owned, DeviceTensor t) {
        owned.add(t);
        return t;
    }

    private static void copyInto(FloatTensor from, FloatTensor to) {
        System.arraycopy(from.data(), 0, to.data(), 0, to.data().length);
    }
}
