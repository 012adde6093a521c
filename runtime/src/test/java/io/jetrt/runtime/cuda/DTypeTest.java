package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-side conversions; no GPU needed. */
class DTypeTest {
    /** bf16 by the definition: the nearer of the two neighbours, the even one on a tie. */
    private static short bf16Reference(float f) {
        int bits = Float.floatToRawIntBits(f);
        int lower = bits & 0xffff0000;
        double lo = Float.intBitsToFloat(lower);
        double hi = Float.intBitsToFloat(lower + 0x10000); // next bf16 away from zero (may be inf)
        double dl = Math.abs(f - lo), dh = Math.abs(hi - f);
        if (Double.isInfinite(hi)) dh = Math.abs(Math.scalb((double) Math.signum(f), 128) - f); // overflow threshold as a finite "next"
        boolean up = dh < dl || (dh == dl && ((lower >>> 16) & 1) == 1);
        return (short) ((up ? lower + 0x10000 : lower) >>> 16);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(1.0f, DType.BF16.round(1.0f + 0x1p-8f), "tie goes to even (down)");
        assertEquals(1.0f + 0x1p-6f, DType.BF16.round(1.0f + 3 * 0x1p-8f), "tie goes to even (up)");
        assertTrue(Float.isNaN(DType.BF16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, DType.BF16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, DType.BF16.round(Float.MAX_VALUE), "beyond bf16's largest value plus half an ulp");
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(DType.BF16.round(-0.0f)));
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f)) continue;
            assertEquals(bf16Reference(f), DType.toBf16(f), () -> "bf16 of " + f);
        }
    }

    @Test
    void f16MatchesJava() {
        assertEquals(1.0f, DType.F16.round(1.0f + 0x1p-11f));
        assertEquals(65504f, DType.F16.round(65504f));
        assertEquals(Float.POSITIVE_INFINITY, DType.F16.round(70000f));
    }
}
