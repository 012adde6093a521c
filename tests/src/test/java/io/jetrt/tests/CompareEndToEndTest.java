package io.jetrt.tests;

import io.jetrt.loader.config.HfNames;
import io.jetrt.loader.config.ModelConfig;
import io.jetrt.loader.safetensors.Checkpoint;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.gpu.GpuContext;
import io.jetrt.runtime.model.BlockConfigs;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.runtime.model.Model;
import io.jetrt.runtime.model.ModelState;
import io.jetrt.spi.Backend;
import io.jetrt.spi.BlockConfig;
import io.jetrt.spi.BlockProvider;
import io.jetrt.spi.StateSlot;
import io.jetrt.spi.WeightDecl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The standard comparison end to end on the CPU ({@link CompareRun#standard()}): every number in
 * report.json checked against what it must be — token counts against the workload, rates against the raw
 * times, state bytes against the blocks' declared layouts, parameters against the checkpoint, perplexity
 * against a direct forward pass — and the other outputs against the JSON.
 */
class CompareEndToEndTest {
    static JetRuntime rt;
    static CompareRun run;
    static ModelConfig cfg;

    @BeforeAll static void start() {
        run = CompareRun.standard();
        rt = JetRuntime.start(Fixtures.settings());
        cfg = ModelConfig.load(Fixtures.tinyJet().resolve("config.json"));
    }

    @AfterAll static void stop() { rt.close(); }


    static BlockProvider provider(String type) { return rt.registry().find(type).orElseThrow().provider(); }

    @Test
    void everyRowIsPlannedAndCudaRowsRunWhereThisMachineHasAGpuElseAreUnavailableWithTheReason() {
        List<Map<String, Object>> rows = run.list("rows");
        assertEquals(4 * 4 * 2, rows.size(), "variants × workloads × backends");
        for (Map<String, Object> r : rows) {
            String id = (String) r.get("row");
            if (r.get("backend").equals("cuda") && !GpuContext.available()) {
                assertEquals("unavailable", r.get("status"), id);
                assertTrue(((String) r.get("reason")).contains("cuda"), id + ": " + r.get("reason"));
            } else {
                assertEquals("ok", r.get("status"), id);
                assertEquals(r.get("backend"), r.get("layer_backends"), id);
            }
        }
        assertEquals(Boolean.TRUE, run.report().get("complete"));
    }

    @Test
    void tokenCountsMatchTheWorkloads() {
        for (Map<String, Object> r : ok(run.list("rows"))) {
            String id = (String) r.get("row");
            long p = num(r, "prompt_len"), g = num(r, "gen_len"), b = num(r, "batch"), reps = num(r, "repetitions");
            assertEquals(b * p, num(r, "prefill_tokens"), id + ": prefill tokens = batch × prompt length");
            assertEquals(b * g, num(r, "generated_tokens"), id + ": tokens generated = batch × generation length");
            assertEquals(g - 1, num(r, "decode_steps"), id + ": decode steps");
            assertEquals(b * (g - 1), num(r, "decode_tokens"), id + ": tokens fed to decode = batch × (gen - 1)");
            assertEquals(reps, doubles(r, "prefill_ms").length, id);
            assertEquals(reps * (g - 1), doubles(r, "step_ms").length, id + ": one latency sample per decode step");
            assertEquals(2, reps);
            long warm = num(r, "warmup"); // at least "warmup": 1, then until a run agrees with the one before, at most 8
            assertTrue(warm >= 1 && warm <= 8, id + ": warm-up runs within the policy: " + warm);
        }
    }

    @Test
    void ratesAndPercentilesFollowFromTheRawTimes() {
        for (Map<String, Object> r : ok(run.list("rows"))) {
            String id = (String) r.get("row");
            double[] prefill = doubles(r, "prefill_ms"), decode = doubles(r, "decode_ms"), ttft = doubles(r, "ttft_ms_each");
            double[] steps = doubles(r, "step_ms");
            close(num(r, "prefill_tokens") / (median(prefill) / 1e3), dbl(r, "prefill_tokens_per_s"), id + " prefill tok/s");
            long decoded = num(r, "generated_tokens") - num(r, "batch"); // each sequence's first token comes from the prefill
            close(decoded / (median(decode) / 1e3), dbl(r, "decode_tokens_per_s"), id + " decode tok/s");
            close(median(ttft), dbl(r, "ttft_ms"), id + " TTFT");
            for (int i = 0; i < prefill.length; i++) assertTrue(ttft[i] >= prefill[i], id + ": the first token comes after the prefill");
            double p50 = dbl(r, "latency_p50_ms"), p99 = dbl(r, "latency_p99_ms");
            double[] sorted = steps.clone();
            Arrays.sort(sorted);
            assertTrue(sorted[0] <= p50 && p50 <= p99 && p99 <= sorted[sorted.length - 1], id + ": min <= p50 <= p99 <= max");
            close(interpolated(sorted, 50), p50, id + " p50 over every decode step");
            close(interpolated(sorted, 99), p99, id + " p99 over every decode step");
            int perRep = steps.length / decode.length;
            for (int rep = 0; rep < decode.length; rep++) {
                double sum = Arrays.stream(steps, rep * perRep, (rep + 1) * perRep).sum();
                assertTrue(sum <= decode[rep] * 1.0001 + 1e-3, id + ": the steps of repetition " + rep + " fit in its decode time");
            }
            // above what was live before the run (the loaded variants): G1 counts whole regions, so a tiny run may add none
            assertTrue(num(r, "peak_heap_bytes") >= 0, id + ": peak heap measured");
            assertEquals(null, r.get("peak_device_bytes"), id + ": no device on the CPU");
        }
    }

    @Test
    void stateBytesAreTheSumOfEveryLayersDeclaredStateLayout() {
        for (Map<String, Object> r : ok(run.list("rows"))) {
            int ctx = (int) (num(r, "prompt_len") + num(r, "gen_len"));
            assertEquals(declaredStateBytes((String) r.get("variant"), ctx), num(r, "state_bytes_per_seq"),
                    r.get("row") + " at context " + ctx);
        }
        for (Map<String, Object> v : run.list("variants")) {
            @SuppressWarnings("unchecked") List<Map<String, Object>> byCtx = (List<Map<String, Object>>) v.get("state_bytes_by_context");
            assertEquals(3, byCtx.size());
            for (Map<String, Object> s : byCtx) {
                int ctx = (int) num(s, "context");
                assertEquals(declaredStateBytes((String) v.get("variant"), ctx), num(s, "bytes"), v.get("variant") + " at context " + ctx);
            }
        }
        // and what the runtime allocates agrees: a state built at that capacity holds exactly those bytes
        Model m = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse("jet:gdn")));
        ModelState s = m.newState(2, 29);
        assertEquals(declaredStateBytes("gdn", 29), s.bytesPerSequence());
    }

    /** Σ over layers of the provider's declared slots × 4 bytes (float32), from the registry directly. */
    static long declaredStateBytes(String variant, int ctx) {
        List<String> types = CompareRun.typesOf(variant);
        long n = 0;
        for (int i = 0; i < types.size(); i++) {
            BlockConfig bc = BlockConfigs.forLayer(cfg, i, types.get(i));
            for (StateSlot slot : provider(types.get(i)).stateLayout(bc, ctx)) n += slot.elements() * 4;
        }
        return n;
    }

    @Test
    void parameterCountsAreTheCheckpointsMinusSwappedBlocksPlusTheirReplacements() {
        long checkpoint = 0;
        try (Checkpoint ckpt = Checkpoint.open(Fixtures.tinyJet())) {
            for (String n : ckpt.names()) checkpoint += ckpt.info(n).elements();
            for (Map<String, Object> v : run.list("variants")) {
                String name = (String) v.get("variant");
                List<String> types = CompareRun.typesOf(name);
                long expect = checkpoint;
                for (int i = 0; i < types.size(); i++) {
                    if (types.get(i).equals(cfg.layerTypes().get(i))) continue;
                    for (String n : ckpt.names()) if (n.startsWith(HfNames.blockPrefix(i))) expect -= ckpt.info(n).elements();
                    for (WeightDecl d : provider(types.get(i)).weights(BlockConfigs.forLayer(cfg, i, types.get(i)))) {
                        expect += Arrays.stream(d.shape()).asLongStream().reduce(1, (a, b) -> a * b);
                    }
                }
                assertEquals(expect, num(v, "params"), name);
                assertEquals(types, v.get("layer_types"), name);
            }
        }
    }

    @Test
    void perplexityEqualsAOneShotForwardOverTheSameBytes() {
        byte[] bytes = CompareRun.EVAL_TEXT.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(bytes.length, 48);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = bytes[i] & 0xff;
        for (Map<String, Object> q : run.list("perplexity")) {
            String id = (String) q.get("row");
            if (q.get("backend").equals("cuda")) { // the one-shot reference below is the CPU path's
                assertEquals(GpuContext.available() ? "ok" : "unavailable", q.get("status"), id);
                if (GpuContext.available()) {
                    double ppl = dbl(q, "perplexity"), cpu = dbl(cpuRow(q), "perplexity");
                    assertEquals(cpu, ppl, 2e-2 * cpu, id + ": cuda perplexity vs the cpu row's (bf16/fp32 kernels)");
                }
                continue;
            }
            assertEquals((long) n, num(q, "tokens"), id);
            assertEquals("utf8-bytes", q.get("tokenizer"), id);
            double ppl = dbl(q, "perplexity");
            close(Math.exp(dbl(q, "nll") / (n - 1)), ppl, id + " = exp(nll / predicted)");
            // the report fed the text in chunks of 20 with the state carried over; one forward over all must agree
            String variant = (String) q.get("variant");
            String overrides = switch (variant) {
                case "mamba2", "gdn" -> "jet:" + variant;
                case "full-attn" -> "0-5:attn";
                default -> "";
            };
            Model m = rt.load(Fixtures.tinyJet(), ComposeOptions.DEFAULT.withOverrides(LayerRules.parse(overrides)).withInitSeed(7)
                    .withBackend(Backend.CPU));
            float[] logits = m.forward(Arrays.copyOf(ids, n - 1), 1, m.newState(1, n), true, null).data();
            int vocab = cfg.vocabSize();
            double nll = 0;
            for (int t = 0; t < n - 1; t++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int k = 0; k < vocab; k++) max = Math.max(max, logits[t * vocab + k]);
                for (int k = 0; k < vocab; k++) sum += Math.exp(logits[t * vocab + k] - max);
                nll -= logits[t * vocab + ids[t + 1]] - max - Math.log(sum);
            }
            assertEquals(Math.exp(nll / (n - 1)), ppl, 1e-3 * ppl, id + ": chunked vs one-shot perplexity");
        }
    }

    @Test
    void consoleCsvAndJsonAgree() {
        for (String v : CompareRun.VARIANTS) assertTrue(run.out().contains(v), run.out());
        assertTrue(run.out().contains("prefill tok/s") && run.out().contains("p99 ms") && run.out().contains("state@4k"), run.out());
        assertEquals(!GpuContext.available(), run.out().contains("jetblock on cuda unavailable (4 rows)"), run.out());
        List<String> csv = CompareRun.read(run.dir().resolve("report.csv")).lines().toList();
        assertEquals(1 + 32, csv.size());
        List<String> header = List.of(csv.getFirst().split(","));
        List<Map<String, Object>> rows = run.list("rows");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            String[] cells = csv.get(i + 1).split(",", -1);
            assertEquals(r.get("variant"), cells[header.indexOf("variant")]);
            if (!r.get("status").equals("ok")) continue;
            double tps = dbl(r, "decode_tokens_per_s");
            assertEquals(tps, Double.parseDouble(cells[header.indexOf("decode_tokens_per_s")]), tps * 1e-5,
                    "csv line " + (i + 1) + " (6 digits)");
            assertEquals(num(r, "state_bytes_per_seq"), Long.parseLong(cells[header.indexOf("state_bytes_per_seq")]));
        }
        assertEquals(1 + 4, CompareRun.read(run.dir().resolve("variants.csv")).lines().count());
        assertTrue(run.err().contains("40/40 rows"), "the progress bar reaches the end: " + run.err());
    }

    static List<Map<String, Object>> ok(List<Map<String, Object>> rows) {
        // the CPU rows: what these checks derive (no device memory, CPU timings) holds there; cuda rows are checked above
        List<Map<String, Object>> ok = rows.stream().filter(r -> "ok".equals(r.get("status")) && "cpu".equals(r.get("backend"))).toList();
        assertEquals(16, ok.size(), "4 variants × 4 workloads on the CPU");
        return ok;
    }

    static long num(Map<String, Object> m, String k) { return ((Number) m.get(k)).longValue(); }

    static double dbl(Map<String, Object> m, String k) { return ((Number) m.get(k)).doubleValue(); }

    /** The perplexity row of the same variant on the CPU. */
    static Map<String, Object> cpuRow(Map<String, Object> q) {
        return run.list("perplexity").stream().filter(r -> r.get("variant").equals(q.get("variant")) && r.get("backend").equals("cpu"))
                .findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static double[] doubles(Map<String, Object> m, String k) {
        return ((List<Number>) m.get(k)).stream().mapToDouble(Number::doubleValue).toArray();
    }

    /** The median as everyone computes it: middle value, or the mean of the two middle values. */
    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static void close(double expect, double got, String what) {
        assertEquals(expect, got, Math.abs(expect) * 1e-9 + 1e-12, what);
    }

    /** The p-th percentile of sorted values, linear between the closest ranks (numpy's default), computed here independently. */
    private static double interpolated(double[] sorted, double p) {
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) rank;
        return lo + 1 < sorted.length ? sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (rank - lo) : sorted[lo];
    }
}
