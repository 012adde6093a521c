package io.jetrt.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches are planned from free memory (here the heap): "max" runs the largest batch that fits, a batch too large runs
 * capped with {@code cap_batch} and is {@code skipped} without it, with the bytes it needs and those free. Full
 * attention at a 16K synthetic context makes each sequence's state tens of MiB, so the heap is the limit.
 */
class CompareBatchFitTest {
    private static final String EXPERIMENT = """
            {
              "model": {"checkpoint": "%s"},
              "variants": [{"name": "full-attn", "overrides": "*:attn"}],
              "workloads": [{"prompt_lengths": [16384], "generation_lengths": [2], "batch_sizes": ["max"], "fill": "synthetic"},
                            {"prompt_lengths": [16384], "generation_lengths": [2], "batch_sizes": [100000], "fill": "synthetic", "cap_batch": true},
                            {"prompt_lengths": [16384], "generation_lengths": [2], "batch_sizes": [100000], "fill": "synthetic"}],
              "metrics": ["decode", "state"],
              "backends": ["cpu"],
              "repetitions": 1,
              "warmup": 0
            }
            """;

    @Test
    void largestCappedAndSkippedBatches() {
        Path dir = CompareRun.fresh("batch-fit");
        Path file = CompareRun.write(dir.resolve("fit.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath()));
        CompareRun run = CompareRun.run(dir, "compare", file.toString(), "--out", dir.toString());
        assertEquals(0, run.exit(), run.err());
        List<Map<String, Object>> rows = run.list("rows");
        assertEquals(List.of("perf:full-attn/p16384-g2-bmax-synthetic/cpu", "perf:full-attn/p16384-g2-b100000-cap-synthetic/cpu",
                "perf:full-attn/p16384-g2-b100000-synthetic/cpu"), rows.stream().map(r -> r.get("row")).toList());
        Map<String, Object> largest = rows.get(0), capped = rows.get(1), skipped = rows.get(2);

        assertEquals("ok", largest.get("status"), largest.toString());
        assertEquals("max", largest.get("batch"));
        long max = num(largest, "batch_run");
        assertTrue(max >= 1 && max < 100000, "the largest batch that fits a 6 GiB heap: " + max);
        assertTrue(((String) largest.get("batch_note")).startsWith("the largest batch that fits: " + max + " sequences need "), largest.toString());

        assertEquals("ok", capped.get("status"), capped.toString());
        long cap = num(capped, "batch_run");
        assertTrue(cap >= 1 && cap < 100000, "capped: " + cap);
        assertTrue(((String) capped.get("batch_note")).startsWith("capped from 100000 (needs "), capped.toString());

        assertEquals("skipped", skipped.get("status"), skipped.toString());
        long needed = num(skipped, "bytes_needed"), free = num(skipped, "bytes_free");
        assertTrue(needed > free, "skipped: needs " + needed + " of " + free + " free");
        // the plan counts at least the state the runs held, per sequence
        assertTrue(needed >= 100000 * num(largest, "state_bytes_per_seq"), "needed " + needed + " covers 100000 sequences' state");
        assertTrue(max * num(largest, "state_bytes_per_seq") <= free, "what ran fitted in what was free");
        assertTrue(((String) skipped.get("reason")).contains("does not fit: 100000 sequences at 16386 tokens need"), skipped.toString());
        assertEquals(null, skipped.get("decode_tokens_per_s"), "a skipped row carries no measurement");
    }

    private static long num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        if (!(v instanceof Number n)) throw new AssertionError(r.get("row") + ": " + key + " is " + v);
        return n.longValue();
    }
}
