package io.jetrt.spi;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateAndDeclsTest {

    @Test
    void blockStateAllocatesZeroedSlotsWithTheBatchInFront() {
        BlockState s = new BlockState(3, List.of(StateSlot.f32("recurrent_state", 2, 4, 5), StateSlot.f32("conv", 7)));
        assertArrayEquals(new int[] {3, 2, 4, 5}, s.get("recurrent_state").shape());
        assertArrayEquals(new int[] {3, 7}, s.get("conv").shape());
        assertArrayEquals(new float[3 * 7], s.get("conv").data());
        assertEquals(3 * 40 + 3 * 7, s.elements());
        assertEquals(List.of("recurrent_state", "conv"), List.copyOf(s.tensors().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.get("key_cache"));
        assertTrue(e.getMessage().contains("no slot 'key_cache'"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> s.tensors().clear());
        assertThrows(IllegalArgumentException.class, () -> new BlockState(0, List.of()));
    }

    @Test
    void slotsAreEqualWhenNameTypeAndShapeAre() {
        StateSlot a = StateSlot.f32("h", 2, 3);
        assertEquals(a, new StateSlot("h", DType.F32, new int[] {2, 3}));
        assertEquals(a.hashCode(), StateSlot.f32("h", 2, 3).hashCode());
        assertNotEquals(a, StateSlot.f32("h", 3, 2));
        assertNotEquals(a, new StateSlot("h", DType.BF16, new int[] {2, 3}));
        assertEquals(6, a.elements());
        assertEquals("h[2, 3] F32", a.toString());
        int[] shape = {4};
        StateSlot b = new StateSlot("b", DType.F32, shape);
        shape[0] = 5;
        assertArrayEquals(new int[] {4}, b.shape());
    }

    @Test
    void weightDeclsAreEqualByNameAndShape() {
        WeightDecl w = WeightDecl.of("q_proj.weight", 8, 16);
        assertEquals(w, WeightDecl.of("q_proj.weight", 8, 16));
        assertNotEquals(w, WeightDecl.of("q_proj.weight", 16, 8));
        assertEquals("q_proj.weight[8, 16]", w.toString());
        w.shape()[0] = 1;
        assertArrayEquals(new int[] {8, 16}, w.shape());
    }

    @Test
    void blockConfigReadsNumbersStringsAndBooleansAndNamesWhereItFails() {
        BlockConfig c = new BlockConfig("layer 3", Map.of("num_heads", 4, "norm_eps", "1e-5", "use_gate", true, "scale", 0.5));
        assertEquals(4, c.intParam("num_heads"));
        assertEquals(1e-5, c.doubleParam("norm_eps"));
        assertEquals(0.5, c.doubleParam("scale"));
        assertEquals(7, c.intParam("head_dim", 7));
        assertTrue(c.boolParam("use_gate", false));
        IllegalArgumentException frac = assertThrows(IllegalArgumentException.class, () -> c.intParam("scale"));
        assertEquals("layer 3: scale must be an integer; got 0.5", frac.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> c.intParam("head_dim"));
        assertEquals("layer 3: head_dim must be set; it is missing", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.boolParam("num_heads", false));
        BlockConfig d = c.with("num_heads", 8).with("scale", null);
        assertEquals(8, d.intParam("num_heads"));
        assertEquals(false, d.has("scale"));
        assertEquals(4, c.intParam("num_heads"));
        assertThrows(UnsupportedOperationException.class, () -> c.params().put("x", 1));
    }

    @Test
    void backendIdsRoundTrip() {
        for (Backend b : Backend.values()) assertEquals(b, Backend.parse(b.id()));
        assertEquals("cuda", Backend.CUDA.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.parse("CUDA"));
        assertEquals("backend must be one of reference, cpu, cuda; got 'CUDA'", e.getMessage());
    }
}
