package io.jetrt.runtime.gpu;

import io.jetrt.spi.DType;
import io.jetrt.spi.DeviceTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the GPU context reports for planning and for the reproducibility block: the GPU and software versions, the
 * high-water mark of device memory, and the scratch arena's peak use. Parsing the driver file runs everywhere; the
 * rest skips, with the reason, where there is no GPU.
 */
class GpuContextFactsTest {
    private static void needGpu() { assumeTrue(GpuContext.missing() == null, () -> "no GPU here: " + GpuContext.missing()); }

    @Test
    void theDriverVersionIsReadFromBothFormsOfTheNvidiaVersionFile() {
        assertEquals("570.86.15", GpuContext.nvidiaDriver(
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.86.15  Wed Jan 22 00:13:10 UTC 2025\nGCC version:  gcc version 12.2.0\n"));
        assertEquals("580.65.06", GpuContext.nvidiaDriver(
                "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  (dvs-builder@U16-I3-B08-2-1)  Sun Jul 27 2025\n"));
        assertNull(GpuContext.nvidiaDriver("no such line"));
    }

    @Test
    void infoNamesThisGpuAndItsSoftware() {
        needGpu();
        GpuContext ctx = GpuContext.get();
        GpuContext.Info i = ctx.info();
        System.out.println(i);
        assertEquals(ctx.device().name(), i.name());
        assertTrue(!i.name().isBlank(), i.toString());
        assertTrue(i.computeCapability().matches("[1-9][0-9]?\\.[0-9]"), "compute capability " + i.computeCapability());
        assertTrue(i.multiprocessors() > 0, i.toString());
        assertTrue(i.totalMemory() >= 1L << 30, "total memory " + i.totalMemory());
        assertTrue(i.cuda().matches("1[1-9]\\.[0-9]+"), "CUDA " + i.cuda());
        assertTrue(i.cublas().matches("1[1-9]\\.[0-9]+\\.[0-9]+"), "cuBLAS " + i.cublas());
        assertTrue(i.driver().matches("[0-9]{3}\\.[0-9]+(\\.[0-9]+)?|CUDA .* driver"), "driver " + i.driver());
    }

    @Test
    void thePeakHoldsTheMostTheRuntimeHeldSinceItsReset() {
        needGpu();
        GpuContext ctx = GpuContext.get();
        ctx.resetPeak();
        long before = ctx.peakBytes();
        assertEquals(ctx.heldBytes() + ctx.scratchReserved(), before);
        long big = 96L << 20;
        try (BlockGpuOps ops = new BlockGpuOps(ctx, "peak test")) {
            ops.allocate(DType.F32, (int) (big / 4));
        }
        // freed again, the mark stays at the most held
        assertTrue(ctx.peakBytes() >= before + big, "peak " + ctx.peakBytes() + " after holding " + big + " more than " + before);
        ctx.resetPeak();
        assertEquals(ctx.heldBytes() + ctx.scratchReserved(), ctx.peakBytes());
    }

    @Test
    void scratchPeakCountsWhatWasHandedOutAtOnce() {
        needGpu();
        GpuContext ctx = GpuContext.get();
        synchronized (ctx) {
            long mark = ctx.beginStep();
            try {
                ctx.resetScratchPeak();
                long base = ctx.scratchPeak();
                long inner = ctx.mark();
                DeviceTensor a = ctx.scratchTensor(DType.F32, 1000); // 4000 bytes, 4096 aligned
                ctx.scratchTensor(DType.F32, 10);                     // 40 -> 256
                ctx.release(inner);
                ctx.scratchTensor(DType.F32, 100);                    // 400 -> 512, reusing a's place
                assertEquals(base + 4096 + 256, ctx.scratchPeak(), "two at once, then one smaller");
                assertTrue(a.address() % 256 == 0);
                // a request larger than any chunk moves to a new chunk; the skipped tail is not counted
                ctx.release(inner);
                long huge = ctx.scratchReserved() + (1L << 20);
                ctx.scratchTensor(DType.I32, (int) (huge / 4));
                assertEquals(base + huge, ctx.scratchPeak());
            } finally {
                ctx.endStep(mark);
            }
        }
    }
}
