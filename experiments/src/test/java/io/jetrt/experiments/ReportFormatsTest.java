package io.jetrt.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The files a comparison writes, byte for byte: the project's format contract. Rows as results.jsonl lines
 * (ok with floors and spread, synthetic with the largest batch, skipped, failed, unavailable), the normalized
 * experiment and the config hash (as the hand-written writers before Jackson printed them: resume depends on
 * it), report.csv and variants.csv. Also: every row reads back from its line as the row it was.
 */
class ReportFormatsTest {
    /** Tricky on purpose: control characters, quotes, non-ASCII, a surrogate pair, "</script>", a 2^53 + 1 seed. */
    static final String EXPERIMENT_FILE = """
            {
              "name": "golden",
              "model": {"demo": "tiny", "seed": 42},
              "variants": [{"name": "a", "overrides": ""}, {"name": "b", "overrides": "jet:gdn, *:attn"}],
              "workloads": {"prompt_lengths": [8, 24], "generation_lengths": [5], "batch_sizes": [1, 2]},
              "backends": ["cpu", "cuda"],
              "repetitions": 2, "warmup": 0, "seed": -3, "init_seed": 9007199254740993,
              "context_lengths": [16, 65536],
              "evaluation": {"text": "q\\" b\\\\ n\\n t\\t r\\r bel\\u0007 bs\\b ff\\f us\\u001f del\\u007f é 漢 \\ud83d\\ude00 </script> \\u2028 / end", "max_tokens": 48, "chunk": 20}
            }
            """;

    /*
     * The perf lines: the row id, the workload as asked (batch "max" = the largest that fits; fill, left out when it is
     * "prefill"), the status, then only for an ok row: the layers' backends, batch_run (what ran), the counts per
     * repetition, each rate as the median with its min (slowest repetition) and max (fastest), its floor and the
     * median's percent of floor, wide_spread ((max - min) / median of the rates over 10% for prefill or decode), TTFT,
     * latency percentiles, bytes, and the raw samples every derived figure is computed from. A row that did not run
     * has its reason, and a skipped one the bytes it needed and those free.
     *
     * PERF_OK: prefill 16 tokens in [1.5, 2.0] ms: median 9142.9, min 16 / 2.0 ms = 8000, max 16 / 1.5 ms = 10666.7 tok/s,
     * 22.9% of a 40,000 tok/s floor; spread (1/1.5 - 1/2) / median(1/1.5, 1/2) = 29% > 10%: wide. Decode 10 - 2 = 8 tokens
     * in [3.25, 1e7] ms, 16% of a 0.01 tok/s floor.
     */
    static final String PERF_OK = """
            {"row":"perf:a/p8-g5-b2/cpu","kind":"perf","variant":"a","backend":"cpu","prompt_len":8,"gen_len":5,"batch":2,"status":"ok","layer_backends":"reference,cpu","batch_run":2,"repetitions":2,"warmup":1,"prefill_tokens":16,"generated_tokens":10,"decode_steps":4,"decode_tokens":8,"prefill_tokens_per_s":9142.857142857143,"prefill_tokens_per_s_min":8000.0,"prefill_tokens_per_s_max":10666.666666666666,"prefill_floor_tokens_per_s":40000.0,"prefill_percent_of_floor":22.857142857142858,"decode_tokens_per_s":0.0015999994800001691,"decode_tokens_per_s_min":8.0E-4,"decode_tokens_per_s_max":2461.5384615384614,"decode_floor_tokens_per_s":0.01,"decode_percent_of_floor":15.99999480000169,"wide_spread":true,"ttft_ms":2.125,"latency_p50_ms":0.35,"latency_p99_ms":1.1481481409624997E8,"state_bytes_per_seq":4096,"peak_heap_bytes":123456789,"peak_device_bytes":null,"prefill_ms":[1.5,2.0],"decode_ms":[3.25,10000000.0],"ttft_ms_each":[1.75,2.5],"step_ms":[0.1,0.2,1.0E-7,3.0,1.23456789125E8,0.3,0.4,0.5],"seconds":0.5}""".strip();
    /** One repetition, no decode step, no floors: min = max = median, nulls (never NaN) for what is not there, not wide. */
    static final String PERF_NO_HEAP = """
            {"row":"perf:a/p8-g5-b2/cuda","kind":"perf","variant":"a","backend":"cuda","prompt_len":8,"gen_len":5,"batch":2,"status":"ok","layer_backends":"cuda","batch_run":2,"repetitions":1,"warmup":0,"prefill_tokens":16,"generated_tokens":2,"decode_steps":0,"decode_tokens":0,"prefill_tokens_per_s":8000.0,"prefill_tokens_per_s_min":8000.0,"prefill_tokens_per_s_max":8000.0,"prefill_floor_tokens_per_s":null,"prefill_percent_of_floor":null,"decode_tokens_per_s":null,"decode_tokens_per_s_min":null,"decode_tokens_per_s_max":null,"decode_floor_tokens_per_s":null,"decode_percent_of_floor":null,"wide_spread":false,"ttft_ms":2.0,"latency_p50_ms":null,"latency_p99_ms":null,"state_bytes_per_seq":4096,"peak_heap_bytes":null,"peak_device_bytes":77,"prefill_ms":[2.0],"decode_ms":[0.0],"ttft_ms_each":[2.0],"step_ms":[],"seconds":1.0}""".strip();
    /** 96 sequences ran for "max" (batch_note says why); no prefill: null prefill figures and TTFT; decode (480 - 96) / 40.5 ms. */
    static final String PERF_SYNTHETIC = """
            {"row":"perf:b/p65536-g5-bmax-synthetic/cuda","kind":"perf","variant":"b","backend":"cuda","prompt_len":65536,"gen_len":5,"batch":"max","fill":"synthetic","status":"ok","layer_backends":"cuda","batch_run":96,"batch_note":"the largest batch whose state fits: 96 × 1.50 GiB","repetitions":2,"warmup":3,"prefill_tokens":0,"generated_tokens":480,"decode_steps":4,"decode_tokens":384,"prefill_tokens_per_s":null,"prefill_tokens_per_s_min":null,"prefill_tokens_per_s_max":null,"prefill_floor_tokens_per_s":null,"prefill_percent_of_floor":null,"decode_tokens_per_s":9481.481481481482,"decode_tokens_per_s_min":9365.853658536585,"decode_tokens_per_s_max":9600.0,"decode_floor_tokens_per_s":12000.0,"decode_percent_of_floor":79.01234567901236,"wide_spread":false,"ttft_ms":null,"latency_p50_ms":10.149999999999999,"latency_p99_ms":10.3,"state_bytes_per_seq":1610612736,"peak_heap_bytes":null,"peak_device_bytes":150000000000,"prefill_ms":[],"decode_ms":[40.0,41.0],"ttft_ms_each":[],"step_ms":[10.0,10.1,9.9,10.0,10.2,10.3,10.2,10.3],"seconds":3.5}""".strip();
    static final String PERF_SKIPPED = """
            {"row":"perf:b/p16384-g64-b32/cuda","kind":"perf","variant":"b","backend":"cuda","prompt_len":16384,"gen_len":64,"batch":32,"status":"skipped","reason":"the KV caches and one prefill chunk do not fit","bytes_needed":75161927680,"bytes_free":12884901888}""".strip();
    static final String PERF_FAILED = """
            {"row":"perf:a/p16384-g64-b32/cuda","kind":"perf","variant":"a","backend":"cuda","prompt_len":16384,"gen_len":64,"batch":32,"status":"failed","reason":"CUDA_ERROR_ILLEGAL_ADDRESS in gdn_decode_kernel1 (layer 3)"}""".strip();
    static final String PERF_UNAVAILABLE = """
            {"row":"perf:b/p8-g5-b2/cuda","kind":"perf","variant":"b","backend":"cuda","prompt_len":8,"gen_len":5,"batch":2,"status":"unavailable","reason":"cuda: no \\"driver\\""}""".strip();
    static final String QUALITY_OK = """
            {"row":"perplexity:a/cpu","kind":"perplexity","variant":"a","backend":"cpu","status":"ok","tokens":48,"predicted_tokens":47,"tokenizer":"utf8-bytes","nll":123.456,"perplexity":13.828385560380582,"seconds":0.25}""".strip();
    static final String QUALITY_UNAVAILABLE = """
            {"row":"perplexity:a/cuda","kind":"perplexity","variant":"a","backend":"cuda","status":"unavailable","reason":"no cuda"}""".strip();
    static final String PROFILE = """
            {"row":"variant:b","kind":"variant","variant":"b","overrides":"jet:gdn","layer_types":["jet","attn"],"swapped_layers":[0],"layers":[{"index":0,"type":"gdn","bundle":"io.jetrt.blocks.gdn 1.2.0","provider":"1.2","weights":"seeded 9"},{"index":1,"type":"attn","bundle":"io.jetrt.blocks.fullattn 1.0.0","provider":"1.0","weights":"checkpoint"}],"params":12345,"state_bytes_by_context":[{"context":16,"bytes":1024},{"context":65536,"bytes":123456789012}],"shared_weights":{"tensors":3,"sha256":"ab"},"checkpoint_weights":{"tensors":5,"sha256":"cd"}}""".strip();
    // as a string literal: the text holds characters a text block would strip or that no editor shows
    static final String EXPERIMENT = "{\"name\":\"golden\",\"model\":{\"demo\":\"tiny\",\"seed\":42},\"variants\":[{\"name\":\"a\",\"overrides\":"
            + "\"\"},{\"name\":\"b\",\"overrides\":\"jet:gdn, *:attn\"}],\"workloads\":{\"prompt_lengths\":[8,24],\"generatio"
            + "n_lengths\":[5],\"batch_sizes\":[1,2]},\"metrics\":[\"prefill\",\"decode\",\"ttft\",\"latency\",\"state\","
            + "\"peak_memory\",\"params\",\"perplexity\"],\"backends\":[\"cpu\",\"cuda\"],\"repetitions\":2,\"warmup\":0,"
            + "\"seed\":-3,\"init_seed\":9007199254740993,\"context_lengths\":[16,65536],\"evaluation\":{\"text\":\"q\\\" b"
            + "\\\\ n\\n t\\t r\\r bel\\u0007 bs\\u0008 ff\\u000c us\\u001f del\u007f \u00e9 \u6f22 \ud83d\ude00 </script> "
            + "\u2028 / end\",\"max_tokens\":48,\"chunk\":20}}";
    static final Workload W = new Workload(8, 5, 2);
    static final PerfRow OK = new PerfRow(PerfRow.id("a", W, "cpu"), "a", "cpu", W, "ok", null, "reference,cpu", 2, null, 2, 1, 16, 10, 4, 8,
            new double[] {1.5, 2.0}, new double[] {3.25, 1e7}, new double[] {1.75, 2.5},
            new double[] {0.1, 0.2, 1e-7, 3.0, 123456789.125, 0.3, 0.4, 0.5}, 4096, 40000, 0.01, 123456789, null, null, null, 0.5);
    static final PerfRow NO_HEAP = new PerfRow(PerfRow.id("a", W, "cuda"), "a", "cuda", W, "ok", null, "cuda", 2, null, 1, 0, 16, 2, 0, 0,
            new double[] {2.0}, new double[] {0.0}, new double[] {2.0}, new double[0], 4096, Double.NaN, Double.NaN, -1, 77L, null, null, 1.0);
    /** The largest batch that fits, at a synthetic 64k context: 96 ran; no prefill, so no prefill figures or TTFT. */
    static final Workload SYN = new Workload(65536, 5, Workload.LARGEST, Workload.SYNTHETIC, false);
    static final PerfRow SYNTHETIC = new PerfRow(PerfRow.id("b", SYN, "cuda"), "b", "cuda", SYN, "ok", null, "cuda", 96,
            "the largest batch whose state fits: 96 × 1.50 GiB", 2, 3, 0, 480, 4, 384,
            new double[0], new double[] {40.0, 41.0}, new double[0], new double[] {10.0, 10.1, 9.9, 10.0, 10.2, 10.3, 10.2, 10.3},
            1610612736L, Double.NaN, 12000, -1, 150_000_000_000L, null, null, 3.5);
    static final Workload BIG = new Workload(16384, 64, 32);
    static final PerfRow SKIPPED = PerfRow.skipped("b", BIG, "cuda", "the KV caches and one prefill chunk do not fit", 75161927680L, 12884901888L);
    static final PerfRow FAILED = PerfRow.failed("a", BIG, "cuda", "CUDA_ERROR_ILLEGAL_ADDRESS in gdn_decode_kernel1 (layer 3)");
    static final QualityRow Q_OK = new QualityRow(QualityRow.id("a", "cpu"), "a", "cpu", "ok", null, 48, "utf8-bytes", 123.456, 0.25);
    static final VariantProfile PROFILE_B = new VariantProfile("b", "jet:gdn", List.of("jet", "attn"), List.of(0), List.of(
            new VariantProfile.LayerInfo(0, "gdn", "io.jetrt.blocks.gdn 1.2.0", "1.2", "seeded 9"),
            new VariantProfile.LayerInfo(1, "attn", "io.jetrt.blocks.fullattn 1.0.0", "1.0", "checkpoint")),
            12345, List.of(new VariantProfile.StateBytes(16, 1024), new VariantProfile.StateBytes(65536, 123456789012L)),
            new WeightDigest(3, "ab"), new WeightDigest(5, "cd"));

    static Experiment experiment(String json) {
        return ExperimentParser.parse(json, "golden.json", Path.of("/tmp"), "x", Path.of("/tmp/out"));
    }

    @Test
    void rowsAreWrittenAsBefore() {
        assertEquals(PERF_OK, Mappers.line(OK));
        assertEquals(PERF_NO_HEAP, Mappers.line(NO_HEAP), "no heap measured and no decode step: nulls, not -1 or NaN");
        assertEquals(PERF_UNAVAILABLE, Mappers.line(PerfRow.unavailable("b", W, "cuda", "cuda: no \"driver\"")), "no measurements at all");
        assertEquals(PERF_SYNTHETIC, Mappers.line(SYNTHETIC));
        assertEquals(PERF_SKIPPED, Mappers.line(SKIPPED), "the bytes needed and free, no measurements");
        assertEquals(PERF_FAILED, Mappers.line(FAILED), "the reason, no measurements");
        assertEquals(QUALITY_OK, Mappers.line(Q_OK));
        assertEquals(QUALITY_UNAVAILABLE, Mappers.line(QualityRow.unavailable("a", "cuda", "no cuda")));
        assertEquals(PROFILE, Mappers.line(PROFILE_B));
    }

    @Test
    void rowsReadBackAsTheyWere() throws Exception {
        for (String l : List.of(PERF_OK, PERF_NO_HEAP, PERF_SYNTHETIC, PERF_SKIPPED, PERF_FAILED, QUALITY_OK, PROFILE)) {
            Class<?> type = l.contains("\"kind\":\"perf\"") ? PerfRow.class
                    : l.contains("\"kind\":\"variant\"") ? VariantProfile.class : QualityRow.class;
            assertEquals(l, Mappers.line(ResultsLog.read(Mappers.json().readTree(l), type)), type.getSimpleName());
        }
        PerfRow back = ResultsLog.read(Mappers.json().readTree(PERF_NO_HEAP), PerfRow.class);
        assertEquals(-1, back.peakHeapBytes(), "a null peak heap reads back as not measured");
        assertEquals(77L, back.peakDeviceBytes());
        assertEquals(W, back.workload());
        PerfRow syn = ResultsLog.read(Mappers.json().readTree(PERF_SYNTHETIC), PerfRow.class);
        assertEquals(SYN, syn.workload(), "batch \"max\" and fill \"synthetic\" read back");
        assertEquals(96, syn.batchRun());
        PerfRow skipped = ResultsLog.read(Mappers.json().readTree(PERF_SKIPPED), PerfRow.class);
        assertEquals(75161927680L, skipped.bytesNeeded());
        assertEquals(12884901888L, skipped.bytesFree());
        assertArrayEquals(new double[0], back.stepMs());
        assertTrue(Double.isNaN(back.decodeTokensPerSecond()));
        PerfRow ok = ResultsLog.read(Mappers.json().readTree(PERF_OK), PerfRow.class);
        assertArrayEquals(OK.stepMs(), ok.stepMs(), 0);
        assertEquals(OK.seconds(), ok.seconds());
        assertNull(ok.peakDeviceBytes());
        JsonNode nullNll = Mappers.json().readTree(QUALITY_OK.replace("\"nll\":123.456", "\"nll\":null"));
        assertTrue(Double.isNaN(ResultsLog.read(nullNll, QualityRow.class).nll()), "a null double reads back as NaN");
        JsonNode nullStep = Mappers.json().readTree(PERF_OK.replace("\"step_ms\":[0.1,", "\"step_ms\":[null,"));
        double[] steps = ResultsLog.read(nullStep, PerfRow.class).stepMs();
        assertTrue(Double.isNaN(steps[0]) && steps[1] == 0.2, "a null in an array reads back as NaN: " + Arrays.toString(steps));
    }

    @Test
    void experimentAndConfigHashAreTheBytesTheyWere() {
        Experiment e = experiment(EXPERIMENT_FILE);
        assertEquals(EXPERIMENT, Mappers.line(e));
        // printed by the hand-written JSON writer before Jackson: another hash would rerun every finished row
        assertEquals("a91f363e776834196ec2db71de341bf644deea713788b900b26bdac767940169",
                ConfigHash.of(e, "fp-0123", List.of("io.jetrt.blocks.gdn 1.2.0", "io.jetrt.blocks.jetblock 1.0.0")));
    }

    /**
     * One line per row, the columns of {@link CsvReport#ROW_COLUMNS}: fill always written ("prefill" where the JSON leaves
     * it out), batch "max" with batch_run 96; empty cells where there is no value (a row that did not run, a NaN).
     */
    static final String REPORT_CSV = """
            variant,backend,prompt_len,gen_len,batch,fill,batch_run,status,layer_backends,repetitions,warmup,prefill_tokens,generated_tokens,decode_steps,prefill_tokens_per_s,prefill_tokens_per_s_min,prefill_tokens_per_s_max,prefill_floor_tokens_per_s,prefill_percent_of_floor,decode_tokens_per_s,decode_tokens_per_s_min,decode_tokens_per_s_max,decode_floor_tokens_per_s,decode_percent_of_floor,wide_spread,ttft_ms,latency_p50_ms,latency_p99_ms,state_bytes_per_seq,peak_heap_bytes,peak_device_bytes,bytes_needed,bytes_free,batch_note,reason
            a,cpu,8,5,2,prefill,2,ok,"reference,cpu",2,1,16,10,4,9142.86,8000.00,10666.7,40000.0,22.8571,0.00160000,0.000800000,2461.54,0.0100000,16.0000,true,2.12500,0.350000,1.14815e+08,4096,123456789,,,,,
            a,cuda,8,5,2,prefill,2,ok,cuda,1,0,16,2,0,8000.00,8000.00,8000.00,,,,,,,,false,2.00000,,,4096,,77,,,,
            b,cuda,65536,5,max,synthetic,96,ok,cuda,2,3,0,480,4,,,,,,9481.48,9365.85,9600.00,12000.0,79.0123,false,,10.1500,10.3000,1610612736,,150000000000,,,the largest batch whose state fits: 96 × 1.50 GiB,
            b,cuda,8,5,2,prefill,,unavailable,,,,,,,,,,,,,,,,,,,,,,,,,,,"cuda: no ""driver"", none"
            b,cuda,16384,64,32,prefill,,skipped,,,,,,,,,,,,,,,,,,,,,,,,75161927680,12884901888,,the KV caches and one prefill chunk do not fit
            a,cuda,16384,64,32,prefill,,failed,,,,,,,,,,,,,,,,,,,,,,,,,,,CUDA_ERROR_ILLEGAL_ADDRESS in gdn_decode_kernel1 (layer 3)
            """;

    static final String VARIANTS_CSV = """
            variant,overrides,layer_types,swapped_layers,params,state_bytes_at_16,state_bytes_at_65536,perplexity_cpu,perplexity_cuda,shared_weights_sha256
            a,,jet swa,,999,1024,123456789012,13.8284,,ab
            b,"jet:gdn, *:attn",jet attn,0 1,12345,1024,123456789012,,,ab
            c,jet:mamba2,,,,,,,,
            """;

    @Test
    void csvFilesAreWrittenAsBefore() {
        Experiment e = experiment("""
                {
                  "name": "golden",
                  "model": {"demo": "tiny", "seed": 42},
                  "variants": [{"name": "a", "overrides": ""}, {"name": "b", "overrides": "jet:gdn, *:attn"},
                               {"name": "c", "overrides": "jet:mamba2"}],
                  "workloads": {"prompt_lengths": [8], "generation_lengths": [5], "batch_sizes": [2]},
                  "backends": ["cpu", "cuda"],
                  "repetitions": 2, "warmup": 0,
                  "context_lengths": [16, 65536],
                  "evaluation": {"text": "x", "max_tokens": 48, "chunk": 20}
                }
                """);
        List<VariantProfile.StateBytes> sb = List.of(new VariantProfile.StateBytes(16, 1024), new VariantProfile.StateBytes(65536, 123456789012L));
        VariantProfile a = new VariantProfile("a", "", List.of("jet", "swa"), List.of(), List.of(), 999, sb, new WeightDigest(3, "ab"),
                new WeightDigest(5, "ef"));
        VariantProfile b = new VariantProfile("b", "jet:gdn, *:attn", List.of("jet", "attn"), List.of(0, 1), PROFILE_B.layers(), 12345, sb,
                new WeightDigest(3, "ab"), new WeightDigest(5, "cd"));
        // exp(1e9 / 47) overflows: an empty cell, as any non-finite number
        QualityRow infinite = new QualityRow(QualityRow.id("b", "cpu"), "b", "cpu", "ok", null, 48, "utf8-bytes", 1e9, 0.25);
        Environment env = new Environment("cpu", 2, 1L << 30, 1L << 29, "Linux", "jdk", "jvm", "ops", "none", null, List.of(), List.of());
        // variant c has no profile and no perplexity: its line has the name and the overrides only
        Comparison c = new Comparison(e, "hash", new BaseModel(Path.of("/m"), "fp"), env, List.of(a, b),
                List.of(OK, NO_HEAP, SYNTHETIC, PerfRow.unavailable("b", W, "cuda", "cuda: no \"driver\", none"), SKIPPED, FAILED),
                List.of(Q_OK, QualityRow.unavailable("a", "cuda", "no cuda"), infinite), 0, 0, true);
        assertEquals(REPORT_CSV, CsvReport.rows(c));
        assertEquals(VARIANTS_CSV, CsvReport.variants(c));
    }
}
