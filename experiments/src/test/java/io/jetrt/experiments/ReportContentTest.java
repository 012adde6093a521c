package io.jetrt.experiments;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the console table and the HTML report show of issue 11's figures, for the rows of {@link ReportFormatsTest}: each
 * rate with its spread and percent of floor, the wide-spread row flagged, error bars from the slowest to the fastest
 * repetition, the percent-of-floor plots, the synthetic row and the batch that ran, the skipped and failed rows with
 * why, and the GPU and measured rates in the reproducibility block.
 */
class ReportContentTest {
    static final Experiment E = ReportFormatsTest.experiment("""
            {
              "name": "content",
              "model": {"demo": "tiny", "seed": 42},
              "variants": [{"name": "a", "overrides": ""}, {"name": "b", "overrides": "jet:gdn"}],
              "workloads": {"prompt_lengths": [8, 65536], "generation_lengths": [5], "batch_sizes": [2]},
              "backends": ["cpu", "cuda"],
              "repetitions": 2, "warmup": 1,
              "context_lengths": [16]
            }
            """);
    static final Environment ENV = new Environment("cpu", 2, 1L << 30, 1L << 29, "Linux", "jdk", "jvm", "ops", "NVIDIA H200",
            new Environment.Gpu("NVIDIA H200", "9.0", 132, 150_000_000_000L, "570.86.15", "12.8", "12.8.4"),
            List.of(new Environment.Rates("cpu", 1.2e12, 9.5e10, "sgemm 4096^3; stream copy"),
                    new Environment.Rates("cuda", 7.56e14, 4.8e12, "cublas bf16 8192^3; device copy")),
            List.of());
    static final String HASH = "a91f363e776834196ec2db71de341bf644deea713788b900b26bdac767940169";
    static final Comparison C = new Comparison(E, HASH, new BaseModel(Path.of("/m"), "0123456789abcdef0123"), ENV, List.of(),
            List.of(ReportFormatsTest.OK, ReportFormatsTest.NO_HEAP, ReportFormatsTest.SYNTHETIC,
                    PerfRow.unavailable("b", ReportFormatsTest.W, "cpu", "no gdn on cpu"), ReportFormatsTest.SKIPPED, ReportFormatsTest.FAILED),
            List.of(), 6, 0, true);

    @Test
    void consoleShowsEachRateWithItsSpreadAndPercentOfFloorAndFlagsTheWideRow() {
        Tables.Table t = Tables.rows(C);
        String text = t.render();
        List<String> lines = text.lines().toList();
        List<String> headers = cells(lines.getFirst());
        int prefill = headers.indexOf("prefill tok/s"), decode = headers.indexOf("decode tok/s");
        assertEquals(List.of("prefill tok/s", "±", "of floor", "decode tok/s", "±", "of floor"), headers.subList(prefill, prefill + 6));

        List<String> ok = row(lines, "a", "cpu", "8");
        assertEquals("9,142.9", ok.get(prefill));
        // (1/1.5 - 1/2) / median(1/1.5, 1/2) = 28.6% > 10%: flagged; half of it shown
        assertEquals("~±14%", ok.get(prefill + 1));
        assertEquals("23%", ok.get(prefill + 2), "9142.9 / 40000");
        assertEquals("16%", ok.get(decode + 2), "0.0016 / 0.01");
        assertTrue(ok.get(decode + 1).startsWith("~±"), "decode [3.25, 1e7] ms spreads too: " + ok);

        List<String> single = row(lines, "a", "cuda", "8");
        assertEquals("-", single.get(prefill + 1), "one repetition has no spread");
        assertEquals("-", single.get(prefill + 2), "no floor");
        assertFalse(String.join(" ", single).contains("~"), "not wide: " + single);

        List<String> syn = row(lines, "b", "cuda", "65536");
        assertEquals("max→96", syn.get(headers.indexOf("batch")));
        assertEquals("synthetic", syn.get(headers.indexOf("fill")));
        assertEquals("-", syn.get(prefill), "a synthetic context has no prefill");
        assertEquals("9,481.5", syn.get(decode));
        assertEquals("±1.2%", syn.get(decode + 1), "(1/40 - 1/41) / median / 2");
        assertEquals("79%", syn.get(decode + 2));
        assertEquals("140 GiB", syn.get(headers.indexOf("peak device")));

        assertEquals("skipped", row(lines, "b", "cuda", "16384").get(prefill));
        assertEquals("failed", row(lines, "a", "cuda", "16384").get(prefill));
        assertEquals("unavailable", row(lines, "b", "cpu", "8").get(prefill));

        assertTrue(text.contains("~: that range exceeds 10% of the median (wide_spread)"), text);
        assertTrue(text.contains("* of floor: the median tok/s as a percent of"), text);
        assertTrue(text.contains("* synthetic: states and KV caches filled to the prompt length"), text);
        assertTrue(text.contains("* b on cuda, p65536-g5-bmax-synthetic: batch max→96: the largest batch whose state fits: 96 × 1.50 GiB"), text);
        assertTrue(text.contains("* b on cpu unavailable (1 row): no gdn on cpu"), text);
        assertEquals(List.of("wide-spread", "", "synthetic", "unavailable", "skipped", "failed"), t.classes());
    }

    @Test
    void consoleListsSkippedAndFailedRowsWithWhy() {
        String text = ReportWriter.text(C);
        String notRun = text.substring(text.indexOf("Rows not measured"));
        List<String> lines = notRun.lines().toList();
        assertEquals(List.of("variant", "backend", "workload", "status", "needs", "free", "reason"), cells(lines.get(1)));
        assertEquals(List.of("b", "cuda", "p16384-g64-b32", "skipped", "70 GiB", "12 GiB", "the KV caches and one prefill chunk do not fit"),
                cells(lines.get(3)));
        assertEquals(List.of("a", "cuda", "p16384-g64-b32", "failed", "-", "-", "CUDA_ERROR_ILLEGAL_ADDRESS in gdn_decode_kernel1 (layer 3)"),
                cells(lines.get(4)));
        assertEquals(5, lines.size(), "the unavailable row is a note of the rows table, not here: " + notRun);
        assertTrue(text.contains("at least 1, at most 8 untimed runs") && text.contains("then 2 timed round(s), the variants' order rotated"),
                "the measurement policy: " + text);
    }

    @Test
    void throughputPlotsHaveErrorBarsFromTheSlowestToTheFastestRepetition() {
        String html = HtmlReport.render(C);
        String prefill = svg(html, "plot-prefill");
        // NO_HEAP ran once: a point without a bar; the synthetic row has no prefill at all
        assertEquals(List.of("8000.0-10666.666666666666"), bars(prefill));
        assertEquals(2, count(prefill, "<circle class=\"point\""));
        String decode = svg(html, "plot-decode");
        assertEquals(List.of("8.0E-4-2461.5384615384614", "9365.853658536585-9600.0"), bars(decode));
        assertTrue(decode.contains("data-series=\"b · cuda · synthetic\""), "the synthetic row is its own series");
        assertTrue(decode.contains("batch max→96"), "the batch that ran, on hover");
    }

    @Test
    void percentOfFloorIsPlottedPerVariantInOneGroupPerWorkload() {
        String html = HtmlReport.render(C);
        String prefill = svg(html, "plot-floor-prefill");
        assertEquals(List.of("a|8 b2 cpu|22.857142857142858"), barValues(prefill), "only the row with a prefill floor");
        assertTrue(prefill.contains("<line class=\"reference\"") && prefill.contains("data-value=\"100.0\""), "the floor as a line");
        String decode = svg(html, "plot-floor-decode");
        assertEquals(List.of("a|8 b2 cpu|15.99999480000169", "b|64k bmax→96 syn cuda|79.01234567901236"), barValues(decode));
        assertTrue(html.contains("<figure id=\"fig-plot-floor-decode\">"), "shown as a figure");
    }

    @Test
    void htmlFlagsTheWideRowAndListsSkippedAndFailedRowsWithWhy() {
        String html = HtmlReport.render(C);
        String rows = between(html, "<table id=\"rows-table\">", "</table>");
        assertEquals(1, count(rows, "<tr class=\"wide-spread\">"));
        assertTrue(between(rows, "<tr class=\"wide-spread\">", "</tr>").contains(">~±14%<"), "the flagged figure");
        assertTrue(between(rows, "<tr class=\"synthetic\">", "</tr>").contains(">max→96<"), "the batch that ran");
        assertTrue(between(rows, "<tr class=\"synthetic\">", "</tr>").contains(">synthetic<"), "labelled");
        assertTrue(html.contains("~: that range exceeds 10% of the median"), "the legend under the table");

        String notRun = between(html, "<table id=\"not-run-table\">", "</table>");
        String skipped = between(notRun, "<tr class=\"skipped\">", "</tr>");
        for (String s : List.of(">p16384-g64-b32<", ">70 GiB<", ">12 GiB<", ">the KV caches and one prefill chunk do not fit<")) {
            assertTrue(skipped.contains(s), s + " in " + skipped);
        }
        assertTrue(between(notRun, "<tr class=\"failed\">", "</tr>").contains(">CUDA_ERROR_ILLEGAL_ADDRESS in gdn_decode_kernel1 (layer 3)<"));
        assertFalse(notRun.contains("no gdn on cpu"), "unavailable rows are noted under the rows table");
        assertTrue(html.indexOf("<h2 id=\"not-run\">") > html.indexOf("<table id=\"rows-table\">"), "a section of its own");
        assertTrue(between(html, "<p class=\"meta\" id=\"policy\">", "</p>").startsWith("Each workload runs every variant of a backend in turn"));
    }

    @Test
    void reproducibilityBlockHasTheGpuAndEachBackendsMeasuredRates() {
        String block = between(HtmlReport.render(C), "<dl id=\"reproducibility\">", "</dl>");
        assertTrue(block.contains("<span id=\"gpu\">NVIDIA H200, compute capability 9.0, 132 SMs, 140 GiB, driver 570.86.15, CUDA 12.8, cuBLAS 12.8.4</span>"),
                block);
        assertTrue(block.contains(">cpu: GEMM 1.20 TFLOP/s, bandwidth 95.0 GB/s (sgemm 4096^3; stream copy)<"), block);
        assertTrue(block.contains(">cuda: GEMM 756 TFLOP/s, bandwidth 4.80 TB/s (cublas bf16 8192^3; device copy)<"), block);
        Environment cpuOnly = new Environment("cpu", 2, 1L << 30, 1L << 29, "Linux", "jdk", "jvm", "ops", "none", null, List.of(), List.of());
        String plain = HtmlReport.render(new Comparison(E, HASH, C.model(), cpuOnly, List.of(), C.perf(), List.of(), 0, 0, true));
        assertFalse(plain.contains("<dt>GPU</dt>") || plain.contains("<dt>measured rates</dt>"), "nothing to show without a GPU or rates");
    }

    @Test
    void ratesAndPercentsAreFormattedInTheirUnits() {
        assertEquals("756 TFLOP/s", Format.rate(7.56e14, "FLOP/s"));
        assertEquals("4.80 TB/s", Format.rate(4.8e12, "B/s"));
        assertEquals("1.00 TB/s", Format.rate(999.6e9, "B/s"), "rounds up into the next unit, not to \"1000 GB/s\"");
        assertEquals("95.0 GB/s", Format.rate(9.5e10, "B/s"));
        assertEquals("-", Format.rate(Double.NaN, "B/s"));
        assertEquals("23%", Format.percent(22.857));
        assertEquals("4.5%", Format.percent(4.5));
        assertEquals("0.12%", Format.percent(0.1234));
        assertEquals("-", Format.percent(Double.NaN));
    }

    /** A text-table line's cells: columns are two spaces apart and no cell here is empty or holds two spaces. */
    private static List<String> cells(String line) { return Arrays.asList(line.strip().split(" {2,}")); }

    private static List<String> row(List<String> lines, String variant, String backend, String prompt) {
        return lines.stream().map(ReportContentTest::cells)
                .filter(c -> c.size() > 3 && c.get(0).equals(variant) && c.get(1).equals(backend) && c.get(2).equals(prompt))
                .findFirst().orElseThrow(() -> new AssertionError("no row " + variant + "/" + backend + "/" + prompt + " in\n" + lines));
    }

    private static String svg(String html, String id) { return between(html, "<svg class=\"chart\" id=\"" + id + "\"", "</svg>"); }

    /** "min-max" of every error bar, in document order. */
    private static List<String> bars(String svg) {
        Matcher m = Pattern.compile("<g class=\"error-bar\"[^>]* data-min=\"([^\"]+)\" data-max=\"([^\"]+)\"").matcher(svg);
        return m.results().map(r -> r.group(1) + "-" + r.group(2)).toList();
    }

    /** "variant|group|value" of every bar, in document order. */
    private static List<String> barValues(String svg) {
        Matcher m = Pattern.compile("<g class=\"bar\" data-series=\"([^\"]+)\" data-group=\"([^\"]+)\" data-value=\"([^\"]+)\"").matcher(svg);
        return m.results().map(r -> r.group(1) + "|" + r.group(2) + "|" + r.group(3)).toList();
    }

    private static String between(String s, String from, String to) {
        int i = s.indexOf(from);
        assertTrue(i >= 0, "no " + from);
        int j = s.indexOf(to, i + from.length());
        assertTrue(j >= 0, "no " + to + " after " + from);
        return s.substring(i + from.length(), j);
    }

    private static int count(String s, String what) { return s.split(Pattern.quote(what), -1).length - 1; }
}
