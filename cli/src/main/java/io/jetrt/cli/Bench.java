package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.cpu.Nd4jCpuOps;
import io.jetrt.demo.DemoModel;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import io.jetrt.spi.CpuOps;

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
 * {@code jetrt bench}: prefill and decode tokens/s of a model at each batch size and context length, each next
 * to its floor on this machine — FLOPs / measured GEMM rate for prefill, weight bytes / measured copy
 * bandwidth for decode — and a JSON line to keep. Warm-up runs precede the timed ones.
 */
final class Bench {
    private final JetRuntime rt;
    private final PrintStream out;

    Bench(JetRuntime rt, PrintStream out) {
        this.rt = rt;
        this.out = out;
    }

    int run(BenchOptions o) {
        ComposeOptions options = o.compose();
        boolean maybeGpu = options.backend() == Backend.CUDA || (options.backend() == null && GpuContext.missing() == null);
        if (maybeGpu) {
            Path dir = o.model() != null ? o.model() : demo();
            Model model = rt.load(dir, options);
            if (model.backend().equals("cuda")) return runGpu(model, dir, o);
            return runCpu(model, dir, o, gemmRate(rt.cpu()), copyBandwidth());
        }
        // the machine first: measured after a large model is resident, both read low (memory pressure)
        double gemmFlops = gemmRate(rt.cpu());
        double bandwidth = copyBandwidth();
        Path dir = o.model() != null ? o.model() : demo();
        return runCpu(rt.load(dir, options), dir, o, gemmFlops, bandwidth);
    }

    /** Every combination of the batches and prompt lengths, a table, and the rows as JSON. */
    private int runGpu(Model model, Path dir, BenchOptions o) {
        out.printf(Locale.ROOT, "model %s: %,d parameters, %d layers, backend cuda%n", dir, model.parameterCount(), model.layers().size());
        GpuBench bench = new GpuBench(model, out);
        List<String> rows = new ArrayList<>();
        for (int batch : o.batches()) {
            for (int context : o.promptLens()) {
                GpuBench.Row r = bench.run(batch, context, o.gen(), o.prefillRows(), o.profile());
                rows.add(r.json());
                out.println(r.json());
            }
        }
        writeJson(o.json(), rows);
        return 0;
    }

    /** Every combination of the batches and prompt lengths, one measurement each, and the rows as JSON. */
    private int runCpu(Model model, Path dir, BenchOptions o, double gemmFlops, double bandwidth) {
        List<String> rows = new ArrayList<>();
        for (int batch : o.batches()) {
            for (int promptLen : o.promptLens()) rows.add(runCpu(model, dir, batch, promptLen, o.gen(), gemmFlops, bandwidth));
        }
        writeJson(o.json(), rows);
        return 0;
    }

    /** With {@code file} non-null, the rows there as a JSON array. */
    private void writeJson(Path file, List<String> rows) {
        if (file == null) return;
        try {
            Files.writeString(file, "[\n  " + String.join(",\n  ", rows) + "\n]\n");
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
        out.println("wrote " + file);
    }

    /** One CPU measurement, printed; returns its JSON line. */
    private String runCpu(Model model, Path dir, int batch, int promptLen, int gen, double gemmFlops, double bandwidth) {
        int vocab = model.config().vocabSize();
        long params = model.parameterCount();

        SplittableRandom rng = new SplittableRandom(1);
        int[] prompt = new int[batch * promptLen];
        Arrays.setAll(prompt, i -> rng.nextInt(Math.min(vocab, 500)));
        run(model, Arrays.copyOf(prompt, batch * Math.min(16, promptLen)), batch, 3); // warm-up: JIT, BLAS threads
        ModelState state = model.newState(batch, promptLen + gen);
        long t0 = System.nanoTime();
        model.forward(prompt, batch, state, false, null);
        double prefillSec = (System.nanoTime() - t0) / 1e9;
        int[] next = new int[batch];
        long t1 = System.nanoTime();
        for (int s = 0; s < gen; s++) model.forward(next, batch, state, false, null);
        double decodeSec = (System.nanoTime() - t1) / 1e9;

        // prefill does ~2 FLOPs per weight per token (head only for the last position; attention scores ignored)
        double prefillFlops = 2.0 * (params - model.embeddingParameters()) * batch * promptLen + 2.0 * model.embeddingParameters() * batch;
        double prefillTps = batch * promptLen / prefillSec, prefillFloorTps = batch * promptLen / (prefillFlops / gemmFlops);
        // each decode step reads every weight once (float32) plus the recurrent state, whatever the batch
        double stepBytes = 4.0 * params + (double) state.bytesPerSequence() * batch;
        double decodeTps = batch * gen / decodeSec, decodeFloorTps = batch / (stepBytes / bandwidth);
        out.printf(Locale.ROOT, "model %s: %,d parameters, %d layers, backend %s, batch %d, prompt %d, generated %d%n", dir,
                params, model.layers().size(), model.layers().getFirst().backend().id(), batch, promptLen, gen);
        out.printf(Locale.ROOT, "machine: GEMM %.1f GFLOP/s (%s, %d threads), copy bandwidth %.1f GB/s%n", gemmFlops / 1e9,
                rt.cpu().getClass().getSimpleName(), rt.cpu().threads(), bandwidth / 1e9);
        out.printf(Locale.ROOT, "prefill %10.1f tok/s   floor (FLOPs / GEMM rate) %10.1f tok/s   %5.1f%% of floor%n", prefillTps, prefillFloorTps, 100 * prefillTps / prefillFloorTps);
        out.printf(Locale.ROOT, "decode  %10.2f tok/s   floor (bytes / bandwidth) %10.2f tok/s   %5.1f%% of floor%n", decodeTps, decodeFloorTps, 100 * decodeTps / decodeFloorTps);
        out.printf(Locale.ROOT, "state per sequence at %d tokens: %,d bytes%n", promptLen + gen, state.bytesPerSequence());
        String json = String.format(Locale.ROOT, "{\"model\":\"%s\",\"params\":%d,\"batch\":%d,\"prompt_len\":%d,\"gen\":%d,\"backend\":\"%s\",\"gemm_gflops\":%.2f,"
                        + "\"bandwidth_gbs\":%.2f,\"prefill_tps\":%.2f,\"prefill_floor_tps\":%.2f,\"decode_tps\":%.3f,\"decode_floor_tps\":%.3f,"
                        + "\"state_bytes_per_seq\":%d}", dir.toString().replace("\\", "/"), params, batch, promptLen, gen,
                model.layers().getFirst().backend().id(), gemmFlops / 1e9, bandwidth / 1e9, prefillTps, prefillFloorTps, decodeTps,
                decodeFloorTps, state.bytesPerSequence());
        out.println(json);
        return json;
    }

    private static void run(Model model, int[] tokens, int batch, int gen) {
        ModelState s = model.newState(batch, tokens.length / batch + gen);
        model.forward(tokens, batch, s, false, null);
        for (int i = 0; i < gen; i++) model.forward(new int[batch], batch, s, false, null);
    }

    /** The machine's rate through the runtime's own GEMM path: best of twelve [512, 1536] × [4096, 1536]ᵀ, in FLOP/s. */
    static double gemmRate(CpuOps ops) {
        int m = 512, d = 1536, inter = 4096;
        float[] x = new float[m * d], w = new float[inter * d], y = new float[m * inter];
        Arrays.fill(x, 0.5f);
        Arrays.fill(w, 0.25f);
        if (ops instanceof Nd4jCpuOps nd) nd.registerWeight(w, inter, d); // as model weights are
        for (int r = 0; r < 3; r++) ops.linear(x, 0, w, 0, y, 0, m, inter, d); // warm-up
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 12; r++) {
            long t = System.nanoTime();
            ops.linear(x, 0, w, 0, y, 0, m, inter, d);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return 2.0 * m * inter * d / best;
    }

    /** Best of five copies of a 256 MiB array, counting bytes read plus written, in B/s. */
    static double copyBandwidth() {
        float[] a = new float[64 << 20], b = new float[64 << 20];
        Arrays.fill(a, 1f);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 5; r++) {
            long t = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return 2.0 * 4 * a.length / best;
    }

    private Path demo() { return DemoModel.writeTemporary(rt.registry(), 20251126L, DemoModel.Shape.TINY); }
}
