package io.jetrt.tests;

import io.jetrt.runtime.gpu.GpuContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The standard comparison's report.html opened in headless Chromium, offline: the DOM the browser built
 * (after parsing and layout) must hold both tables with one row per variant and per planned row, every
 * figure with the expected number of series, boxes and bars, and the same numbers as report.json; the
 * page must load nothing from outside, and a screenshot must come out. A copy of the report gets a small
 * script appended that records what the browser laid out (sizes of the figures, resources fetched).
 * Chromium must be installed in CI ({@code CI=true}, {@code .ci/run} installs it); elsewhere the test is
 * skipped without it. The browser is looked up on PATH; {@code -Djetrt.chromium=FILE} names another binary.
 */
class CompareReportChromiumTest {
    private static final String PROBE = """
            <script>
            (function () {
              var out = document.createElement('div');
              out.id = 'rendered';
              var charts = document.querySelectorAll('svg.chart');
              for (var i = 0; i < charts.length; i++) {
                var r = charts[i].getBoundingClientRect();
                charts[i].setAttribute('data-rendered-width', Math.round(r.width));
              }
              out.setAttribute('data-charts', charts.length);
              out.setAttribute('data-resources', performance.getEntriesByType('resource').length);
              var shown = 0, points = document.querySelectorAll('circle.point');
              for (var j = 0; j < points.length; j++) if (points[j].getBoundingClientRect().width > 0) shown++;
              out.setAttribute('data-points-shown', shown);
              document.body.appendChild(out);
            })();
            </script>
            """;

    static CompareRun run;
    static Map<String, Object> report;
    static String dom;

    @BeforeAll static void render() throws Exception {
        Path chromium = chromium();
        run = CompareRun.standard();
        report = run.report();
        Path html = run.dir().resolve("report.html");
        Path probed = run.dir().resolve("report-probed.html");
        Files.writeString(probed, Files.readString(html).replace("</body>", PROBE + "</body>"));
        dom = browse(chromium, "--dump-dom", probed);
    }

    /** The Chromium binary, or a failure (CI) or skip (elsewhere) saying how to get one. */
    static Path chromium() {
        List<Path> candidates = new ArrayList<>();
        String p = System.getProperty("jetrt.chromium");
        if (p != null) candidates.add(Path.of(p));
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) candidates.add(Path.of(dir, name));
        }
        for (Path c : candidates) if (Files.isExecutable(c)) return c;
        String why = "headless Chromium is needed to check the HTML report; found no chromium, chromium-browser or google-chrome"
                + " on PATH (apt-get install chromium, or -Djetrt.chromium=PATH)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why + " — CI must install it (.ci/run does)");
        Assumptions.abort(why + "; skipped outside CI");
        return null;
    }

    /** Runs Chromium headless on {@code page}; returns its stdout (the DOM for --dump-dom). */
    static String browse(Path chromium, String mode, Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("jetrt-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=3000", mode));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Path log = Files.createTempFile("jetrt-chromium", ".log");
        Process proc = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        byte[] out = proc.getInputStream().readAllBytes();
        if (!proc.waitFor(90, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail("chromium did not finish in 90 s: " + cmd);
        }
        assertEquals(0, proc.exitValue(), "chromium failed: " + Files.readString(log));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void pageLoadsNothingFromOutsideAndEveryFigureIsLaidOut() {
        Matcher m = Pattern.compile("<div id=\"rendered\" data-charts=\"(\\d+)\" data-resources=\"(\\d+)\""
                + " data-points-shown=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find(), "the probe script did not run: " + dom.substring(0, Math.min(500, dom.length())));
        assertEquals(7, Integer.parseInt(m.group(1)), "figures: prefill, decode, state, latency, perplexity, % of floor (prefill, decode)");
        assertEquals(0, Integer.parseInt(m.group(2)), "resources fetched by an offline report");
        // prefill and decode: 16 points each; state: 4 variants × 3 contexts
        assertEquals(16 + 16 + 12, Integer.parseInt(m.group(3)), "markers laid out");
        Matcher w = Pattern.compile("data-rendered-width=\"(\\d+)\"").matcher(dom);
        int charts = 0;
        while (w.find()) {
            charts++;
            assertTrue(Integer.parseInt(w.group(1)) > 300, "a figure rendered " + w.group(1) + " px wide");
        }
        assertEquals(7, charts);
        assertFalse(Pattern.compile("(src|href)=").matcher(dom).find(), "no src or href: the report is one file");
        assertFalse(dom.contains("http://") || dom.contains("https://"), "no URL in the report");
    }

    @Test
    void tablesHaveOneRowPerVariantAndPerPlannedRowWithTheJsonsNumbers() {
        List<Map<String, Object>> rows = list("rows");
        String variants = between(dom, "<table id=\"variants-table\">", "</table>");
        assertEquals(4, count(between(variants, "<tbody>", "</tbody>"), "<tr"));
        String table = between(dom, "<table id=\"rows-table\">", "</table>");
        String body = between(table, "<tbody>", "</tbody>");
        assertEquals(rows.size(), count(body, "<tr"));
        assertEquals(GpuContext.available() ? 0 : 16, count(body, "<tr class=\"unavailable\">"), "cuda rows run only where a GPU is");
        List<String> trs = split(body, "<tr");
        List<String> headers = cells(between(table, "<thead>", "</thead>"), "th");
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> r = rows.get(i);
            List<String> cells = cells(trs.get(i), "td");
            assertEquals(r.get("variant"), cells.get(headers.indexOf("variant")));
            if (!"ok".equals(r.get("status"))) {
                assertEquals("unavailable", cells.get(headers.indexOf("prefill tok/s")));
                continue;
            }
            String id = r.get("row").toString();
            assertEquals(String.format(Locale.ROOT, "%,.1f", num(r, "decode_tokens_per_s")), cells.get(headers.indexOf("decode tok/s")), id);
            assertEquals(String.format(Locale.ROOT, "%,.1f", num(r, "prefill_tokens_per_s")), cells.get(headers.indexOf("prefill tok/s")), id);
        }
    }

    @Test
    void throughputFiguresHaveOneSeriesPerVariantAndBatchWithTheJsonsRates() {
        List<Map<String, Object>> ok = list("rows").stream().filter(r -> "ok".equals(r.get("status"))).toList();
        for (String[] plot : new String[][] {{"plot-prefill", "prefill_tokens_per_s"}, {"plot-decode", "decode_tokens_per_s"}}) {
            String svg = svg(plot[0]);
            assertEquals(8, count(svg, "<g class=\"series\""), plot[0] + ": 4 variants × 2 batch sizes");
            assertEquals(8, count(svg, "<g class=\"legend-item\""), plot[0]);
            for (String v : CompareRun.VARIANTS) {
                assertTrue(svg.contains("data-series=\"" + v + " · cpu · b2\""), plot[0] + " lacks " + v);
            }
            assertArrayEquals(sorted(ok.stream().mapToDouble(r -> num(r, plot[1])).toArray()), sorted(attr(svg, "data-y")), 1e-9, plot[0]);
        }
    }

    @Test
    void stateFigureHasOneSeriesPerVariantWithTheDeclaredBytes() {
        String svg = svg("plot-state");
        assertEquals(4, count(svg, "<g class=\"series\""));
        List<Double> expect = new ArrayList<>();
        for (Map<String, Object> v : list("variants")) {
            @SuppressWarnings("unchecked") List<Map<String, Object>> s = (List<Map<String, Object>>) v.get("state_bytes_by_context");
            for (Map<String, Object> x : s) expect.add(num(x, "bytes"));
        }
        assertArrayEquals(sorted(expect.stream().mapToDouble(Double::doubleValue).toArray()), sorted(attr(svg, "data-y")), 0);
        assertArrayEquals(new double[] {16, 16, 16, 16, 256, 256, 256, 256, 4096, 4096, 4096, 4096}, sorted(attr(svg, "data-x")), 0);
    }

    @Test
    void latencyFigureHasOneBoxPerRowAtTheMedianOfItsSteps() {
        String svg = svg("plot-latency");
        List<Map<String, Object>> ok = list("rows").stream().filter(r -> "ok".equals(r.get("status"))).toList();
        assertEquals(ok.size(), count(svg, "<g class=\"box\""));
        for (Map<String, Object> r : ok) {
            Matcher m = Pattern.compile("<g class=\"box\" data-row=\"" + Pattern.quote((String) r.get("row"))
                    + "\" data-samples=\"(\\d+)\" data-median=\"([^\"]+)\"").matcher(svg);
            assertTrue(m.find(), "no box for " + r.get("row"));
            double[] steps = CompareEndToEndTest.doubles(r, "step_ms");
            assertEquals(steps.length, Integer.parseInt(m.group(1)));
            assertEquals(CompareEndToEndTest.median(steps), Double.parseDouble(m.group(2)), 1e-12, r.get("row").toString());
        }
    }

    @Test
    void perplexityFigureHasOneBarPerVariantOnTheCpu() {
        String svg = svg("plot-perplexity");
        assertEquals(4, count(svg, "<g class=\"bar\""));
        double[] expect = list("perplexity").stream().filter(q -> "ok".equals(q.get("status")))
                .mapToDouble(q -> num(q, "perplexity")).toArray();
        assertEquals(4, expect.length);
        assertArrayEquals(sorted(expect), sorted(attr(svg, "data-value")), 1e-9);
    }

    @Test
    void reproducibilityBlockNamesHashSeedsBundlesBackendHardwareAndJdk() {
        String block = between(dom, "<dl id=\"reproducibility\">", "</dl>");
        assertTrue(block.contains((String) report.get("config_hash")), "config hash");
        assertTrue(block.contains("inputs 3; swapped-in blocks 7"), "seeds: " + block);
        for (String b : List.of("io.jetrt.blocks.jetblock", "io.jetrt.blocks.gdn", "io.jetrt.blocks.mamba2", "io.jetrt.blocks.fullattn")) {
            assertTrue(block.contains(b), b);
        }
        assertTrue(block.contains("cpu, cuda"), "backends");
        assertTrue(block.contains(Runtime.getRuntime().availableProcessors() + " cores"), "hardware");
        assertTrue(block.contains(Runtime.version().toString()), "JDK");
        assertTrue(block.contains("identical across variants"), "shared weights");
    }

    @Test
    void screenshotRenders() throws Exception {
        Path png = run.dir().resolve("report.png");
        browse(chromium(), "--screenshot=" + png, run.dir().resolve("report.html"), "--window-size=1400,2400");
        byte[] b = Files.readAllBytes(png);
        assertTrue(b.length > 20_000, "screenshot of " + b.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(b, 4));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(String key) { return (List<Map<String, Object>>) report.get(key); }

    private static double num(Map<String, Object> m, String k) { return ((Number) m.get(k)).doubleValue(); }

    private static String svg(String id) {
        int at = dom.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, "no figure " + id);
        int start = dom.lastIndexOf("<svg", at);
        return dom.substring(start, dom.indexOf("</svg>", at));
    }

    private static String between(String s, String from, String to) {
        int a = s.indexOf(from);
        assertTrue(a >= 0, "missing " + from);
        int b = s.indexOf(to, a + from.length());
        return s.substring(a + from.length(), b);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) n++;
        return n;
    }

    /** The pieces of {@code s} that start with {@code tag}, e.g. each {@code <tr} of a tbody. */
    private static List<String> split(String s, String tag) {
        List<String> out = new ArrayList<>();
        for (int i = s.indexOf(tag); i >= 0; ) {
            int next = s.indexOf(tag, i + tag.length());
            out.add(s.substring(i, next < 0 ? s.length() : next));
            i = next;
        }
        return out;
    }

    /** The text of each {@code <td>} (or {@code <th>}) of a row, tags inside removed. */
    private static List<String> cells(String row, String tag) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<" + tag + "[^>]*>(.*?)</" + tag + ">").matcher(row);
        while (m.find()) out.add(m.group(1).replaceAll("<[^>]+>", "").replace("&amp;", "&").strip());
        return out;
    }

    private static double[] attr(String svg, String name) {
        List<Double> out = new ArrayList<>();
        Matcher m = Pattern.compile(name + "=\"([^\"]+)\"").matcher(svg);
        while (m.find()) out.add(Double.parseDouble(m.group(1)));
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] sorted(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s;
    }
}
