package io.jetrt.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatTensorTest {

    @Test
    void shapeMustHoldExactlyTheData() {
        FloatTensor t = new FloatTensor(new float[6], new int[] {2, 1, 3});
        assertEquals(3, t.rank());
        assertEquals(6, t.size());
        assertEquals(3, t.dim(-1));
        assertEquals(2, t.dim(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FloatTensor(new float[5], new int[] {2, 3}));
        assertTrue(e.getMessage().contains("[2, 3] holds 6 values; got an array of 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FloatTensor(new float[0], new int[] {-1, 0}));
        assertEquals(0, new FloatTensor(new float[0], new int[] {0, 4}).size());
    }

    @Test
    void shapeIsCopiedInAndOut() {
        int[] shape = {2, 2};
        FloatTensor t = new FloatTensor(new float[4], shape);
        shape[0] = 4;
        t.shape()[1] = 9;
        assertArrayEquals(new int[] {2, 2}, t.shape());
    }

    @Test
    void zerosFilledAndTooLarge() {
        assertArrayEquals(new float[6], FloatTensor.zeros(2, 3).data());
        FloatTensor f = FloatTensor.filled(1.5f, 3, 1);
        assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f}, f.data());
        assertTrue(f.sameShape(3, 1));
        assertFalse(f.sameShape(1, 3));
        assertThrows(IllegalArgumentException.class, () -> FloatTensor.zeros(1 << 16, 1 << 16));
    }

    @Test
    void reshapeIsAViewAndCopyIsNot() {
        FloatTensor t = new FloatTensor(new float[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3});
        FloatTensor v = t.reshape(3, 2);
        assertSame(t.data(), v.data());
        v.data()[5] = 60;
        assertEquals(60, t.data()[5]);
        FloatTensor c = t.copy();
        c.data()[0] = -1;
        assertEquals(1, t.data()[0]);
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
    }

    @Test
    void equalityIsByShapeAndValues() {
        FloatTensor a = new FloatTensor(new float[] {1, 2}, new int[] {1, 2});
        assertEquals(a, new FloatTensor(new float[] {1, 2}, new int[] {1, 2}));
        assertEquals(a.hashCode(), new FloatTensor(new float[] {1, 2}, new int[] {1, 2}).hashCode());
        assertNotEquals(a, a.reshape(2, 1));
        assertNotEquals(a, new FloatTensor(new float[] {1, 3}, new int[] {1, 2}));
        assertEquals("FloatTensor[1, 2]", a.toString());
    }
}
