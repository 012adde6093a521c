package io.jetrt.spi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device tensors are plain descriptors (address, type, shape): their arithmetic needs no GPU. */
class DeviceTensorTest {

    @Test
    void sizesAndSliceAddresses() {
        DeviceTensor t = new DeviceTensor(0x1000, DType.BF16, new int[] {4, 3, 5});
        assertEquals(60, t.elements());
        assertEquals(120, t.bytes());
        assertEquals(5, t.dim(-1));
        DeviceTensor rows = t.slice(1, 2);
        // a row of [3, 5] bf16 is 30 bytes
        assertEquals(0x1000 + 30, rows.address());
        assertArrayEquals(new int[] {2, 3, 5}, rows.shape());
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(0, 0));
    }

    @Test
    void reshapeKeepsAddressAndCount() {
        DeviceTensor t = new DeviceTensor(0x2000, DType.F32, new int[] {2, 6});
        DeviceTensor r = t.reshape(3, 4);
        assertEquals(t.address(), r.address());
        assertTrue(r.sameShape(3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 2));
        assertTrue(e.getMessage().contains("has 12 elements; [5, 2] has 10"), e.getMessage());
    }

    @Test
    void nullAddressAndEmptyDimensionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DeviceTensor(0, DType.F32, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new DeviceTensor(8, DType.F32, new int[] {2, 0}));
    }

    @Test
    void deviceStateNeedsOneF32TensorPerSlotWithTheBatchInFront() {
        List<StateSlot> layout = List.of(StateSlot.f32("conv", 3, 4), StateSlot.f32("h", 2));
        DeviceTensor conv = new DeviceTensor(0x100, DType.F32, new int[] {2, 3, 4});
        DeviceTensor h = new DeviceTensor(0x400, DType.F32, new int[] {2, 2});
        DeviceState s = new DeviceState(2, layout, Map.of("conv", conv, "h", h));
        assertSame(conv, s.get("conv"));
        assertEquals(2, s.batch());
        assertThrows(IllegalArgumentException.class, () -> s.get("missing"));
        IllegalArgumentException wrongBatch = assertThrows(IllegalArgumentException.class,
                () -> new DeviceState(3, layout, Map.of("conv", conv, "h", h)));
        assertTrue(wrongBatch.getMessage().contains("slot 'conv' needs F32[3, 3, 4]"), wrongBatch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DeviceState(2, layout, Map.of("conv", conv)));
        DeviceTensor bf16 = new DeviceTensor(0x400, DType.BF16, new int[] {2, 2});
        assertThrows(IllegalArgumentException.class, () -> new DeviceState(2, layout, Map.of("conv", conv, "h", bf16)));
    }
}
