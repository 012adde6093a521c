package io.jetrt.runtime.gpu;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The profile table's text (no GPU: entries made by hand). */
class KernelProfilerTest {
    @Test
    void headerHasTheTotalAndEveryTimedCallAndTheTableOnlyTheTopEntries() {
        List<KernelProfiler.Entry> entries = List.of(new KernelProfiler.Entry("gemv 1x17920x1536 bf16", 0.5, 28),
                new KernelProfiler.Entry("add_rmsnorm", 0.25, 57), new KernelProfiler.Entry("embedding", 0.25, 1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        KernelProfiler.print("one decode step", entries, 2, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length, "header and the top 2 entries");
        assertEquals("  device time per kernel, one decode step: 1.000 ms in all, 86 timed calls", lines[0]);
        assertEquals("       0.500 ms  50.0%    28 x  gemv 1x17920x1536 bf16", lines[1]);
        assertEquals("       0.250 ms  25.0%    57 x  add_rmsnorm", lines[2]);
    }
}
