package io.jetrt.tests;

import io.jetrt.tests.faulty.FaultyActivator;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row that fails does not take the experiment down: with a plug-in whose attention block throws in compute, every
 * row of the variant that uses it is {@code failed} with the plug-in's message, and the variant without attention
 * layers runs all its rows, in the same workloads, {@code ok}. Failed rows are stored for the report but run again.
 */
class CompareFaultyRowTest {
    private static final String EXPERIMENT = """
            {
              "model": {"checkpoint": "%s"},
              "variants": [{"name": "with-faulty-attn"}, {"name": "all-gdn", "overrides": "*:gdn"}],
              "workloads": {"prompt_lengths": [6], "generation_lengths": [3], "batch_sizes": [1, 2]},
              "backends": ["cpu"],
              "repetitions": 2,
              "warmup": 0,
              "evaluation": {"text": "faulty", "max_tokens": 8}
            }
            """;

    @Test
    void failedRowsAreRecordedAndTheOthersRun() throws Exception {
        Path dir = CompareRun.fresh("faulty-row");
        Path bundles = Files.createDirectories(dir.resolve("bundles"));
        Fixtures.copyOfBundles(bundles);
        BundleJars.fromTestPackage(FaultyActivator.class.getPackage(), Map.of(
                "Bundle-SymbolicName", "io.jetrt.tests.faulty.compute",
                "Bundle-Version", "9.0.0",
                "Bundle-Activator", FaultyActivator.class.getName(),
                "Faulty-Mode", "throw-in-compute",
                "Import-Package", "io.jetrt.spi;version=\"[1.0,2)\",org.osgi.framework;version=\"[1.10,2)\""), bundles.resolve("faulty.jar"));
        Path file = CompareRun.write(dir.resolve("faulty.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath()));
        Path out = dir.resolve("out");
        CompareRun run = CompareRun.run(out, "compare", file.toString(), "--out", out.toString(), "--bundles", bundles.toString());
        assertEquals(0, run.exit(), run.err());

        List<Map<String, Object>> rows = run.list("rows"), ppl = run.list("perplexity");
        assertEquals(4, rows.size());
        for (List<Map<String, Object>> list : List.of(rows, ppl)) {
            for (Map<String, Object> r : list) {
                if (r.get("variant").equals("all-gdn")) {
                    assertEquals("ok", r.get("status"), r.toString());
                } else {
                    assertEquals("failed", r.get("status"), r.toString());
                    String reason = (String) r.get("reason");
                    assertTrue(reason.contains("compute fails on purpose") && reason.contains("io.jetrt.tests.faulty.compute"), reason);
                    assertEquals(null, r.get("prefill_tokens_per_s"), "a failed row carries no measurement");
                }
            }
        }
        String table = run.out();
        assertTrue(table.contains("failed") && table.contains("compute fails on purpose"), table);
        String html = CompareRun.read(out.resolve("report.html"));
        assertTrue(html.contains("compute fails on purpose"), "the HTML report lists the failed rows with their reason");

        // failed rows are stored (the report shows them) but a rerun tries them again
        CompareRun again = CompareRun.run(out, "compare", file.toString(), "--out", out.toString(), "--bundles", bundles.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("3 rows run now, 3 resumed"), again.out());
    }
}
