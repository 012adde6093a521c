package io.jetrt.cli;

import io.jetrt.demo.DemoModel;
import io.jetrt.experiments.Mappers;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.engine.Floors;
import io.jetrt.runtime.engine.MachineRates;
import io.jetrt.runtime.engine.Measurement;
import io.jetrt.runtime.engine.Prefill;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.Model;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code jetrt bench}: prefill and decode tokens/s of a model, on whichever backend it composed to, for every batch
 * size × prompt length, each next to its floor on this machine (FLOPs / measured GEMM rate; bytes per step / measured
 * copy bandwidth), through the one {@link Measurement} engine. Per combination: one untimed warm-up run, then timed
 * runs (at least one, up to three while under ten seconds in all); the fastest prefill and the fastest decode count.
 * With {@code --fill synthetic}, decode alone, at contexts filled with synthetic values.
 */
final class Bench {
    private static final int MAX_RUNS = 3;
    private static final double TIME_BOX_SECONDS = 10;

    private final JetRuntime rt;
    private final PrintStream out;

    Bench(JetRuntime rt, PrintStream out) {
        this.rt = rt;
        this.out = out;
    }

    int run(BenchOptions o) {
        Path dir = o.model() != null ? o.model() : DemoModel.writeTemporary(rt.registry(), 20251126L, DemoModel.Shape.TINY);
        List<BenchRow> rows = new ArrayList<>();
        // without a GPU the model will be on the CPU: measure it before a large model is resident (both rates read low after)
        MachineRates before = GpuContext.available() ? null : MachineRates.cpu(rt.cpu());
        try (Model model = rt.load(dir, o.compose())) {
            MachineRates rates = before != null ? before : model.measureMachine();
            out.printf(Locale.ROOT, "model %s: %,d parameters, %d layers, backend %s%n", dir, model.parameterCount(), model.layers().size(),
                    model.backend());
            out.printf(Locale.ROOT, "machine: GEMM %s, copy bandwidth %.1f GB/s (read + write); %s%n", flops(rates.gemmFlops()),
                    rates.bandwidth() / 1e9, rates.how());
            for (int batch : o.batches()) {
                for (int len : o.promptLens()) {
                    BenchRow row = measure(model, dir, rates, batch, len, o);
                    rows.add(row);
                    print(row);
                    if (o.profile()) profile(model, batch, len, o);
                }
            }
        }
        if (o.json() != null) {
            try {
                Files.writeString(o.json(), Mappers.pretty(rows));
            } catch (IOException e) {
                throw new UncheckedIOException("writing " + o.json(), e);
            }
            out.println("wrote " + o.json());
        }
        return 0;
    }

    private BenchRow measure(Model model, Path dir, MachineRates rates, int batch, int len, BenchOptions o) {
        if (o.syntheticFill()) return measureSynthetic(model, dir, rates, batch, len, o);
        int[] prompt = prompt(model, batch, len);
        Measurement.greedy(model, prompt, batch, Math.min(o.gen(), 2), o.prefillRows()); // warm-up: JIT, module loads, scratch growth
        Measurement.Run last = null;
        double prefillMs = Double.MAX_VALUE, decodeMs = Double.MAX_VALUE;
        long start = System.nanoTime();
        for (int r = 0; r < MAX_RUNS && (r == 0 || (System.nanoTime() - start) / 1e9 < TIME_BOX_SECONDS); r++) {
            last = Measurement.greedy(model, prompt, batch, o.gen(), o.prefillRows());
            prefillMs = Math.min(prefillMs, last.prefillMs());
            decodeMs = Math.min(decodeMs, last.decodeMs());
        }
        return row(model, dir, rates, batch, len, o, "prefill", (double) batch * len / (prefillMs / 1e3), decodeMs, last);
    }

    /**
     * Decode at a context of {@code len} tokens without its prefill ({@link Measurement#syntheticContext}): one untimed
     * warm-up, then timed runs as {@link #measure}; the fastest decode counts.
     */
    private BenchRow measureSynthetic(Model model, Path dir, MachineRates rates, int batch, int len, BenchOptions o) {
        Measurement.syntheticContext(model, len, prompt(model, batch, Math.min(o.gen(), 2)), batch); // warm-up
        int[] forced = prompt(model, batch, o.gen());
        Measurement.Run last = null;
        double decodeMs = Double.MAX_VALUE;
        long start = System.nanoTime();
        for (int r = 0; r < MAX_RUNS && (r == 0 || (System.nanoTime() - start) / 1e9 < TIME_BOX_SECONDS); r++) {
            last = Measurement.syntheticContext(model, len, forced, batch);
            decodeMs = Math.min(decodeMs, last.decodeMs());
        }
        return row(model, dir, rates, batch, len, o, "synthetic", Double.NaN, decodeMs, last);
    }

    private static BenchRow row(Model model, Path dir, MachineRates rates, int batch, int len, BenchOptions o, String fill, double prefillTps,
                                double decodeMs, Measurement.Run last) {
        return new BenchRow(dir.toString().replace('\\', '/'), model.backend(), model.parameterCount(), batch, len, o.gen(), fill,
                Prefill.chunkLength(batch, len, o.prefillRows()), rates.gemmFlops() / 1e9, rates.bandwidth() / 1e9,
                prefillTps, Floors.prefillTokensPerSecond(model, batch, len, rates),
                (double) batch * o.gen() / (decodeMs / 1e3), Floors.decodeTokensPerSecond(model, batch, last.stateBytesPerSequence(), rates),
                model.weightBytes(), last.stateBytesPerSequence());
    }

    private void print(BenchRow r) {
        String prefill = r.fill().equals("synthetic") ? String.format(Locale.ROOT, "%-43s", "synthetic context fill, not timed")
                : String.format(Locale.ROOT, "%10.1f tok/s (floor %10.1f, %5.1f%%)", r.prefillTps(), r.prefillFloorTps(), 100 * r.prefillTps() / r.prefillFloorTps());
        out.printf(Locale.ROOT, "batch %4d  prompt %6d | prefill %s | decode %9.2f tok/s (floor %9.2f, %5.1f%%) | state %,d B/seq%n",
                r.batch(), r.promptLen(), prefill, r.decodeTps(), r.decodeFloorTps(), 100 * r.decodeTps() / r.decodeFloorTps(), r.stateBytesPerSeq());
    }

    private void profile(Model model, int batch, int len, BenchOptions o) {
        if (!model.backend().equals("cuda")) {
            out.println("  --profile times kernels on the device; this model runs on " + model.backend());
            return;
        }
        if (o.syntheticFill()) KernelProfile.printSyntheticDecode(model, batch, len, out);
        else KernelProfile.print(model, prompt(model, batch, len), batch, o.prefillRows(), out);
    }

    private static String flops(double perSecond) {
        return perSecond >= 1e12 ? String.format(Locale.ROOT, "%.1f TFLOP/s", perSecond / 1e12) : String.format(Locale.ROOT, "%.1f GFLOP/s", perSecond / 1e9);
    }

    /** Seeded ids {@code [B, T]} from the first 500 of the vocabulary (timing does not depend on which ids). */
    private static int[] prompt(Model model, int batch, int len) {
        SplittableRandom rng = new SplittableRandom(7);
        int[] p = new int[batch * len];
        int range = Math.min(model.config().vocabSize(), 500);
        Arrays.setAll(p, i -> rng.nextInt(range));
        return p;
    }
}
