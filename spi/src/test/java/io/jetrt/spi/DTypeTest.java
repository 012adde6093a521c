package io.jetrt.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DTypeTest {

    private static int bf16(float f) { return DType.toBf16(f) & 0xffff; }

    @Test
    void exactValuesKeepTheirTopSixteenBits() {
        assertEquals(0x3f80, bf16(1f));
        assertEquals(0xc000, bf16(-2f));
        assertEquals(0x0000, bf16(0f));
        assertEquals(0x8000, bf16(-0f));
        assertEquals(0x7f80, bf16(Float.POSITIVE_INFINITY));
        assertEquals(0xff80, bf16(Float.NEGATIVE_INFINITY));
        assertEquals(1f, DType.fromBf16((short) 0x3f80));
        assertEquals(-2f, DType.fromBf16((short) 0xc000));
    }

    @Test
    void roundsToNearestTiesToEven() {
        // 1 + 2^-8 is halfway between bf16 1.0 (0x3f80, even) and 1 + 2^-7 (0x3f81): to even, down
        assertEquals(0x3f80, bf16(Float.intBitsToFloat(0x3f808000)));
        // 1 + 3·2^-8 is halfway between 0x3f81 (odd) and 0x3f82: to even, up
        assertEquals(0x3f82, bf16(Float.intBitsToFloat(0x3f818000)));
        // just above and below a half: nearest
        assertEquals(0x3f81, bf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals(0x3f80, bf16(Float.intBitsToFloat(0x3f807fff)));
        assertEquals(0xbf80, bf16(Float.intBitsToFloat(0xbf808000)));
    }

    @Test
    void largestFloatsRoundToInfinity() {
        assertEquals(0x7f80, bf16(Float.MAX_VALUE));
        // the largest finite bf16 stays itself
        assertEquals(0x7f7f, bf16(Float.intBitsToFloat(0x7f7f0000)));
    }

    @Test
    void nanStaysAQuietNaNWithItsSign() {
        // a NaN whose payload sits only in the low 16 bits would become Inf if cut
        short h = DType.toBf16(Float.intBitsToFloat(0x7f800001));
        assertTrue(Float.isNaN(DType.fromBf16(h)));
        assertEquals(0x7fc0, h & 0xffff);
        assertTrue(Float.isNaN(DType.fromBf16(DType.toBf16(Float.NaN))));
        assertEquals(0xffc0, bf16(Float.intBitsToFloat(0xff800001)));
    }

    @Test
    void subnormalsRoundLikeNormals() {
        // smallest float32 subnormal 2^-149: below half of bf16's smallest subnormal 2^-133, so it flushes to +0
        assertEquals(0x0000, bf16(Float.MIN_VALUE));
        // bf16's smallest subnormal is exact
        assertEquals(0x0001, bf16(Float.intBitsToFloat(0x00010000)));
        assertEquals(Math.scalb(1f, -133), DType.fromBf16((short) 0x0001));
        // 1.5 · 2^-133 is a tie between 0x0001 (odd) and 0x0002: to even
        assertEquals(0x0002, bf16(Float.intBitsToFloat(0x00018000)));
    }

    @Test
    void everyBf16SurvivesARoundTrip() {
        for (int h = 0; h <= 0xffff; h++) {
            float f = DType.fromBf16((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals(h, bf16(f), "bf16 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void sizesAndFloatKinds() {
        assertEquals(2, DType.BF16.bytes());
        assertEquals(4, DType.F32.bytes());
        assertEquals(8, DType.I64.bytes());
        assertEquals(1, DType.BOOL.bytes());
        assertTrue(DType.F16.isFloat());
        assertTrue(DType.BF16.isFloat());
        assertFalse(DType.I32.isFloat());
        assertFalse(DType.U8.isFloat());
    }
}
