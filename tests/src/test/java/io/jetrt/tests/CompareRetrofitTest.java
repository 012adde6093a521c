package io.jetrt.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compare variant with {@code "retrofit"}: its blocks are trained before its rows run, the report and results.json
 * carry the training's measures and curve, and a second run reuses the trained model instead of training again.
 */
class CompareRetrofitTest {
    static final String EXPERIMENT = """
            {
              "name": "retrofit-variants",
              "model": {"checkpoint": "%s"},
              "variants": [
                {"name": "gdn-seeded", "overrides": "jet:gdn"},
                {"name": "gdn-retrofit", "overrides": "jet:gdn", "retrofit": {"data": "train.ids", "tokens": 1024, "seq_len": 32, "batch": 2, "lr": 0.01}}
              ],
              "workloads": {"prompt_lengths": [8], "generation_lengths": [3], "batch_sizes": [1]},
              "backends": ["cpu"],
              "repetitions": 1,
              "warmup": 0,
              "init_seed": 3,
              "evaluation": {"text": "%s", "max_tokens": 24, "chunk": 12}
            }
            """;

    @Test
    void aRetrofitVariantIsTrainedOnceMeasuredAndReported() throws Exception {
        Path dir = CompareRun.fresh("compare-retrofit");
        SplittableRandom r = new SplittableRandom(9);
        StringJoiner ids = new StringJoiner(" ");
        for (int i = 0; i < 40 * 32; i++) ids.add(Integer.toString(r.nextInt(512)));
        Files.writeString(dir.resolve("train.ids"), ids.toString());
        Path file = CompareRun.write(dir.resolve("exp.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), CompareRun.EVAL_TEXT));
        Path out = dir.resolve("out");
        String bundles = Fixtures.settings().bundles().toString();

        CompareRun first = CompareRun.run(out, "compare", file.toString(), "--out", out.toString(), "--bundles", bundles);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().contains("retrofitting variant gdn-retrofit"), first.err());
        for (Map<String, Object> row : first.list("rows")) assertEquals("ok", row.get("status"), row.toString());
        Map<Object, Object> perplexity = new java.util.HashMap<>();
        for (Map<String, Object> row : first.list("perplexity")) perplexity.put(row.get("variant"), row.get("perplexity"));
        assertNotEquals(perplexity.get("gdn-seeded"), perplexity.get("gdn-retrofit"), "the retrofit variant is measured with its trained weights: " + perplexity);
        Map<String, Object> retrofits = first.map("retrofits");
        assertEquals(List.of("gdn-retrofit"), List.copyOf(retrofits.keySet()));
        Map<?, ?> g = (Map<?, ?>) retrofits.get("gdn-retrofit");
        assertEquals(1024, ((Number) g.get("tokens")).intValue());
        assertEquals(3, ((List<?>) g.get("layers")).size());
        assertFalse(((List<?>) g.get("curve")).isEmpty());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("id=\"retrofit-table\"") && html.contains("data-variant=\"gdn-retrofit\"") && html.contains("data-series=\"gdn-retrofit\""), "report has the retrofit section");

        Files.delete(out.resolve("results.jsonl")); // the rows run again; the trained model must not
        CompareRun second = CompareRun.run(out, "compare", file.toString(), "--out", out.toString(), "--bundles", bundles);
        assertEquals(0, second.exit(), second.err());
        assertFalse(second.err().contains("retrofitting variant"), second.err());
    }
}
