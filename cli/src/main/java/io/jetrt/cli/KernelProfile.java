package io.jetrt.cli;

import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.gpu.KernelProfiler;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code jetrt bench --profile} on the GPU: device time per kernel name, from events around each launch, for one
 * prefill chunk and one decode step (launched one by one: a profiled step is not replayed from its graph).
 */
final class KernelProfile {
    private KernelProfile() {}

    static void print(Model model, int[] prompt, int batch, int maxRows, PrintStream out) {
        int len = prompt.length / batch, n = Prefill.chunkLength(batch, len, maxRows);
        int[] part = new int[batch * n];
        for (int b = 0; b < batch; b++) System.arraycopy(prompt, b * len, part, b * n, n);
        GpuContext ctx = GpuContext.get();
        try (ModelState state = model.newState(batch, n + 1)) {
            KernelProfiler p = ctx.startProfiling();
            try {
                model.forward(part, batch, state, false, null);
                print("prefill of " + n + " tokens x " + batch, p.drain(), out);
                model.forward(new int[batch], batch, state, false, null);
                print("one decode step (launched one by one, not from the graph)", p.drain(), out);
            } finally {
                ctx.stopProfiling();
            }
        }
    }

    private static void print(String what, List<KernelProfiler.Entry> entries, PrintStream out) {
        double total = entries.stream().mapToDouble(KernelProfiler.Entry::millis).sum();
        out.printf(Locale.ROOT, "  device time per kernel, %s: %.3f ms in all%n", what, total);
        for (KernelProfiler.Entry e : entries.subList(0, Math.min(15, entries.size()))) {
            out.printf(Locale.ROOT, "    %8.3f ms %5.1f%% %5d x  %s%n", e.millis(), 100 * e.millis() / total, e.launches(), e.name());
        }
    }
}
