package io.jetrt.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.jetrt.runtime.cuda.CudaTestSupport.device;
import static io.jetrt.runtime.cuda.CudaTestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uploads, downloads, fills and allocation failures on a real device (skipped without one). */
class DeviceBufferTest {
    private static final float[] SPECIAL = {0f, -0f, 1f, -1f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, 3.3895314e38f, 65504f, 1 + 0x1p-8f};

    private static float[] sample(long seed, int n) {
        float[] a = gaussian(new SplittableRandom(seed), n, 100);
        System.arraycopy(SPECIAL, 0, a, 0, SPECIAL.length);
        return a;
    }

    @Test
    void f32RoundTripIsExact() {
        float[] a = sample(1, 1_000_003);
        try (DeviceBuffer b = device().alloc(DType.F32, a.length)) {
            b.fill(Float.NaN);
            b.upload(a);
            assertArrayEquals(a, b.download());
        }
    }

    @Test
    void halfTypesRoundTripWithinRounding() {
        for (DType t : new DType[] {DType.BF16, DType.F16}) {
            float[] a = sample(2, 4_194_304 + 17); // more than one conversion chunk
            try (DeviceBuffer b = device().alloc(t, a.length)) {
                b.fill(Float.NaN);
                b.upload(a);
                float[] back = b.download();
                double ulp = t == DType.BF16 ? 0x1p-8 : 0x1p-11; // half an ulp, relative
                for (int i = 0; i < a.length; i++) {
                    float want = t.round(a[i]);
                    int wi = i;
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(back[i]), () -> t + " element " + wi + " of " + a[wi]);
                    boolean normal = Math.abs(a[i]) >= (t == DType.BF16 ? Float.MIN_NORMAL : 0x1p-14f) && Float.isFinite(want);
                    if (normal) assertTrue(Math.abs(back[i] - a[i]) <= ulp * Math.abs(a[i]), t + " element " + i);
                }
            }
        }
    }

    @Test
    void slicesAndInts() {
        try (DeviceBuffer b = device().alloc(DType.F32, 100); DeviceBuffer ids = device().alloc(DType.I32, 7)) {
            b.fill(Float.NaN);
            float[] a = sample(3, 40);
            b.upload(a, 5, 30, 60);
            float[] back = new float[32];
            b.download(59, back, 0, 32);
            assertTrue(Float.isNaN(back[0]) && Float.isNaN(back[31]), "outside the slice stays poisoned");
            for (int i = 0; i < 30; i++) assertEquals(a[5 + i], back[1 + i]);
            int[] tokens = {0, 1, -1, Integer.MAX_VALUE, 151935, 42, 7};
            ids.upload(tokens);
            assertArrayEquals(tokens, ids.downloadInts());
            assertThrows(IndexOutOfBoundsException.class, () -> b.upload(a, 0, 40, 61));
        }
    }

    @Test
    void absurdAllocationIsOutOfDeviceMemory() {
        CudaDevice d = device();
        long asked = 1L << 50; // 1 PiB
        OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class, () -> d.alloc(DType.BF16, asked / 2));
        assertEquals(asked, e.requestedBytes());
        assertTrue(e.freeBytes() > 0 && e.freeBytes() <= d.totalMemory(), e.getMessage());
        assertTrue(e.getMessage().contains(asked + " bytes") && e.getMessage().contains("free"), e.getMessage());
        try (DeviceBuffer ok = d.alloc(DType.F32, 1024)) { // the device still works
            ok.fill(1f);
            assertEquals(1f, ok.download()[1023]);
        }
    }
}
