package io.jetrt.conformance;

import io.jetrt.spi.FloatTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one closeness measure: rel = max|got − exp| / max|exp| over the whole tensor, and what assertClose refuses. */
class ClosenessTest {

    @Test
    void relIsTheLargestGapOverTheLargestExpectedValue() {
        // gaps 0.5 (at 1) and 0.25; max|exp| = 4: rel 0.125, not the per-element 0.5 / 0.5 = 1
        Closeness.Diff d = Closeness.diff(new float[] {4f, 0.5f, -2f}, new float[] {4f, 1f, -2.25f});
        assertEquals(0.125, d.rel());
        assertEquals(0.5, d.maxAbs());
        assertEquals(4, d.maxRef());
        assertEquals(1, d.at());
        assertEquals(0, Closeness.diff(new double[] {0, 1}, new float[] {0f, 1f}).rel());
        assertEquals(Double.POSITIVE_INFINITY, Closeness.diff(new float[] {0f, 0f}, new float[] {0f, 1e-30f}).rel());
        Closeness.Diff nan = Closeness.diff(new float[] {1f, 2f}, new float[] {1f, Float.NaN});
        assertEquals(Double.POSITIVE_INFINITY, nan.rel());
        assertEquals(1, nan.at());
    }

    @Test
    void assertCloseAcceptsWithinTolAndNamesTheWorstIndexOtherwise() {
        FloatTensor exp = new FloatTensor(new float[] {1f, 2f, 3f, 4f}, new int[] {2, 2});
        Closeness.assertClose(exp, new FloatTensor(new float[] {1f, 2f, 3f, 4.0002f}, new int[] {2, 2}), 1e-4, "within");
        String m = assertThrows(AssertionError.class,
                () -> Closeness.assertClose(exp, new FloatTensor(new float[] {1f, 2f, 3.01f, 4f}, new int[] {2, 2}), 1e-4, "y")).getMessage();
        assertTrue(m.startsWith("y: relative error 0.00250 > 1e-04 (max|got - exp| 0.0100 at [1, 0], max|exp| 4.00)"), m);
    }

    @Test
    void assertCloseRefusesUnwrittenValuesOtherShapesAndAnAllZeroExpectation() {
        FloatTensor exp = new FloatTensor(new float[] {1f, 2f}, new int[] {1, 2});
        String nan = assertThrows(AssertionError.class,
                () -> Closeness.assertClose(exp, new FloatTensor(new float[] {1f, Float.NaN}, new int[] {1, 2}), 1, "y")).getMessage();
        assertEquals("y: NaN at [0, 1] (NaN: never written)", nan);
        assertThrows(AssertionError.class, () -> Closeness.assertClose(exp, new FloatTensor(new float[] {1f, 2f}, new int[] {2, 1}), 1, "y"));
        String zero = assertThrows(AssertionError.class,
                () -> Closeness.assertClose(new float[] {0f, 0f}, new float[] {0f, 0f}, 1e-4, "s")).getMessage();
        assertEquals("s: expected is all zeros, the check would say nothing", zero);
    }
}
