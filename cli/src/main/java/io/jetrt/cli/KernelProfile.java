package io.jetrt.cli;

import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.gpu.KernelProfiler;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code jetrt bench --profile} on the GPU: device time per kernel name, from events around each launch, for the
 * first prefill chunk and for one decode step at the benched context (launched one by one: a profiled step is not
 * replayed from its graph). The rest of the prompt is prefilled unprofiled in between.
 */
final class KernelProfile {
    private KernelProfile() {}

    static void print(Model model, int[] prompt, int batch, int maxRows, PrintStream out) {
        int len = prompt.length / batch, n = Prefill.chunkLength(batch, len, maxRows);
        int[] first = Prefill.columns(prompt, batch, 0, n);
        GpuContext ctx = GpuContext.get();
        try (ModelState state = model.newState(batch, len + 1)) {
            print("prefill of " + n + " tokens x " + batch, profiled(ctx, () -> model.forward(first, batch, state, false, null)), out);
            if (len > n) Prefill.chunked(model, Prefill.columns(prompt, batch, n, len - n), batch, state, maxRows);
            print("one decode step at position " + len + " (launched one by one, not from the graph)",
                    profiled(ctx, () -> model.forward(new int[batch], batch, state, false, null)), out);
        }
    }

    /** One decode step at position {@code len} of a state filled with synthetic values: bench's {@code --fill synthetic}, no prefill. */
    static void printSyntheticDecode(Model model, int batch, int len, PrintStream out) {
        GpuContext ctx = GpuContext.get();
        try (ModelState state = model.newState(batch, len + 1)) {
            state.fillSynthetic(len);
            print("one decode step at position " + len + " of a synthetic context (launched one by one, not from the graph)",
                    profiled(ctx, () -> model.forward(new int[batch], batch, state, false, null)), out);
        }
    }

    private static List<KernelProfiler.Entry> profiled(GpuContext ctx, Runnable step) {
        KernelProfiler p = ctx.startProfiling();
        try {
            step.run();
            return p.drain();
        } finally {
            ctx.stopProfiling();
        }
    }

    private static void print(String what, List<KernelProfiler.Entry> entries, PrintStream out) {
        KernelProfiler.print(what, entries, 15, out);
    }
}
