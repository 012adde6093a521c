package io.jetrt.cli;

import io.jetrt.runtime.cuda.Cublas;
import io.jetrt.runtime.cuda.DType;
import io.jetrt.runtime.cuda.DeviceBuffer;
import io.jetrt.runtime.cuda.Event;
import io.jetrt.runtime.gpu.GpuBlockServices;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.gpu.KernelProfiler;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jetrt bench} for a model on the GPU. Per batch size and context length: prefill tokens/s (the
 * prompt in chunks of at most {@code --prefill-rows} rows per step) next to its floor, FLOPs / the
 * device's measured bf16 GEMM rate; and decode tokens/s at that context with the self-feeding captured
 * step ({@link Model#greedy}: no logits cross to the host) next to its floor, (weights + state)
 * bytes / the device's measured copy bandwidth. Device time per kernel, from events, for one prefill
 * chunk and one decode step with {@code --profile}.
 */
final class GpuBench {
    /** One measured configuration, also written as JSON. */
    record Row(int batch, int context, int gen, double prefillTps, double prefillFloorTps, double decodeTps, double decodeFloorTps,
               long weightBytes, long stateBytes) {
        String json() {
            return String.format(Locale.ROOT, "{\"backend\":\"cuda\",\"batch\":%d,\"context\":%d,\"gen\":%d,\"prefill_tps\":%.1f,"
                            + "\"prefill_floor_tps\":%.1f,\"decode_tps\":%.2f,\"decode_floor_tps\":%.2f,\"weight_bytes\":%d,\"state_bytes\":%d}",
                    batch, context, gen, prefillTps, prefillFloorTps, decodeTps, decodeFloorTps, weightBytes, stateBytes);
        }
    }

    private final Model model;
    private final PrintStream out;
    private final GpuContext ctx = GpuContext.get();
    final double gemmFlops, bandwidth;

    GpuBench(Model model, PrintStream out) {
        this.model = model;
        this.out = out;
        this.gemmFlops = gemmRate();
        this.bandwidth = copyBandwidth();
        out.printf(Locale.ROOT, "device: %s; bf16 GEMM %.1f TFLOP/s (cuBLAS, [4096, 1536] x [8960, 1536]^T); copy bandwidth %.0f GB/s (read + write)%n",
                ctx.device(), gemmFlops / 1e12, bandwidth / 1e9);
    }

    Row run(int batch, int context, int gen, int prefillRows, boolean profile) {
        int vocab = model.config().vocabSize();
        SplittableRandom rng = new SplittableRandom(7);
        int[] prompt = new int[batch * context];
        Arrays.setAll(prompt, i -> rng.nextInt(Math.min(vocab, 500)));
        int chunk = Math.max(1, Math.min(context, prefillRows / batch));
        prefill(prompt, batch, context, chunk, gen).close(); // warm-up: module loads, cuBLAS heuristics, scratch growth
        double prefillSec = Double.MAX_VALUE;
        ModelState state = null;
        for (int r = 0; r < 3; r++) {
            if (state != null) state.close();
            long t0 = System.nanoTime();
            state = prefill(prompt, batch, context, chunk, gen + 3);
            prefillSec = Math.min(prefillSec, (System.nanoTime() - t0) / 1e9);
        }
        try {
            int[] warm = model.greedy(new int[batch], state, 2); // captures the step
            int[] first = Arrays.copyOfRange(warm, batch, 2 * batch);
            int steps = Math.max(1, gen);
            long t1 = System.nanoTime();
            model.greedy(first, state, steps);
            double decodeSec = (System.nanoTime() - t1) / 1e9;
            long weights = weightBytes(), stateBytes = state.bytesPerSequence() * batch;
            double tokens = (double) batch * context;
            double flops = 2.0 * (model.parameterCount() - model.embeddingParameters()) * tokens + 2.0 * model.embeddingParameters() * batch;
            Row row = new Row(batch, context, steps, tokens / prefillSec, tokens / (flops / gemmFlops), batch * steps / decodeSec,
                    batch / ((weights + stateBytes) / bandwidth), weights, stateBytes);
            out.printf(Locale.ROOT, "batch %4d  context %6d | prefill %10.0f tok/s (floor %10.0f, %5.1f%%) | decode %9.1f tok/s (floor %9.1f, %5.1f%%) | state %,d B%n",
                    batch, context, row.prefillTps, row.prefillFloorTps, 100 * row.prefillTps / row.prefillFloorTps, row.decodeTps,
                    row.decodeFloorTps, 100 * row.decodeTps / row.decodeFloorTps, stateBytes);
            if (profile) profile(prompt, batch, chunk, state, first);
            return row;
        } finally {
            state.close();
        }
    }

    private ModelState prefill(int[] prompt, int batch, int context, int chunk, int extra) {
        ModelState s = model.newState(batch, context + extra);
        for (int from = 0; from < context; from += chunk) {
            int n = Math.min(chunk, context - from);
            int[] part = new int[batch * n];
            for (int b = 0; b < batch; b++) System.arraycopy(prompt, b * context + from, part, b * n, n);
            model.forward(part, batch, s, false, null);
        }
        return s;
    }

    private void profile(int[] prompt, int batch, int chunk, ModelState state, int[] first) {
        int n = Math.min(chunk, prompt.length / batch);
        int[] part = new int[batch * n];
        for (int b = 0; b < batch; b++) System.arraycopy(prompt, b * (prompt.length / batch), part, b * n, n);
        try (ModelState fresh = model.newState(batch, n + 1)) {
            KernelProfiler p = ctx.startProfiling();
            try {
                model.forward(part, batch, fresh, false, null);
                print("prefill of " + n + " tokens x " + batch, p.drain());
                if (state.positions()[0] < state.capacity()) {
                    model.forward(first, batch, state, false, null);
                    print("one decode step (launched one by one, not from the graph)", p.drain());
                }
            } finally {
                ctx.stopProfiling();
            }
        }
    }

    private void print(String what, List<KernelProfiler.Entry> entries) {
        double total = entries.stream().mapToDouble(KernelProfiler.Entry::millis).sum();
        out.printf(Locale.ROOT, "  device time per kernel, %s: %.3f ms in all%n", what, total);
        for (KernelProfiler.Entry e : entries.subList(0, Math.min(15, entries.size()))) {
            out.printf(Locale.ROOT, "    %8.3f ms %5.1f%% %5d x  %s%n", e.millis(), 100 * e.millis() / total, e.launches(), e.name());
        }
    }

    /** Device bytes of all weights: the dense ones and each block's. */
    private long weightBytes() {
        long n = model.deviceWeightBytes();
        for (Layer l : model.layers()) if (l.resources() instanceof GpuBlockServices g) n += g.ops().bytesHeld();
        return n;
    }

    /** Best of ten bf16 GEMMs of the MLP's shape at 4096 rows, timed by events. */
    private double gemmRate() {
        int m = 4096, n = 8960, k = 1536;
        try (DeviceBuffer x = ctx.device().alloc(DType.BF16, (long) m * k); DeviceBuffer w = ctx.device().alloc(DType.BF16, (long) n * k);
             DeviceBuffer y = ctx.device().alloc(DType.F32, (long) m * n); Event a = Event.create(ctx.device()); Event b = Event.create(ctx.device())) {
            x.fill(0.5f);
            w.fill(0.25f);
            Cublas c = ctx.cublas();
            for (int r = 0; r < 3; r++) c.linear(x, w, y, m, n, k);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 10; r++) {
                a.record(ctx.stream());
                c.linear(x, w, y, m, n, k);
                best = Math.min(best, b.record(ctx.stream()).millisSince(a) / 1e3);
            }
            return 2.0 * m * n * k / best;
        }
    }

    /** Best of five device-to-device copies of 1 GiB, bytes read plus written. */
    private double copyBandwidth() {
        long bytes = 1L << 30;
        try (DeviceBuffer src = ctx.device().alloc(DType.I32, bytes / 4); DeviceBuffer dst = ctx.device().alloc(DType.I32, bytes / 4);
             Event a = Event.create(ctx.device()); Event b = Event.create(ctx.device())) {
            src.fill(1);
            double best = Double.MAX_VALUE;
            for (int r = 0; r < 6; r++) {
                a.record(ctx.stream());
                ctx.stream().copy(src.address(), dst.address(), bytes);
                double s = b.record(ctx.stream()).millisSince(a) / 1e3;
                if (r > 0) best = Math.min(best, s);
            }
            return 2.0 * bytes / best;
        }
    }
}
