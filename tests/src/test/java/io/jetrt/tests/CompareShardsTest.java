package io.jetrt.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --shard I/N} splits an experiment's rows deterministically and {@code --merge} folds the shards into the
 * report one unsharded run gives (same rows, each figure beside its floor and within its spread); a bad fraction and
 * a merge of another experiment's results are refused, naming what is at fault.
 */
class CompareShardsTest {
    private static final String EXPERIMENT = """
            {
              "model": {"checkpoint": "%s"},
              "variants": [{"name": "jetblock"}, {"name": "gdn", "overrides": "jet:gdn"}],
              "workloads": [{"prompt_lengths": [6, 12], "generation_lengths": [4], "batch_sizes": [1, 2]},
                            {"prompt_lengths": [40], "generation_lengths": [4], "batch_sizes": [2], "fill": "synthetic"}],
              "backends": ["cpu"],
              "repetitions": %d,
              "warmup": 1,
              "evaluation": {"text": "shard me and merge me", "max_tokens": 16}
            }
            """;

    @Test
    void shardsMergeIntoTheRowsOfOneRun() {
        Path dir = CompareRun.fresh("shards");
        Path file = CompareRun.write(dir.resolve("shards.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), 3));
        Path whole = dir.resolve("whole"), parts = dir.resolve("parts");
        CompareRun one = CompareRun.run(whole, "compare", file.toString(), "--out", whole.toString());
        assertEquals(0, one.exit(), one.err());

        Set<String> seen = new HashSet<>();
        for (String s : List.of("1/2", "2/2")) {
            Path shardDir = parts.resolve("shards").resolve(s.replace("/", "-of-"));
            CompareRun shard = CompareRun.run(shardDir, "compare", file.toString(), "--out", parts.toString(), "--shard", s);
            assertEquals(0, shard.exit(), shard.err());
            Set<String> ids = rowIds(shard);
            assertFalse(ids.isEmpty(), "shard " + s + " ran rows");
            for (String id : ids) assertTrue(seen.add(id), "row " + id + " ran in two shards");
        }
        // more shards than units (7 here): a shard with nothing to run still reports, and merges as empty
        Path idle = parts.resolve("shards/9-of-9");
        CompareRun none = CompareRun.run(idle, "compare", file.toString(), "--out", parts.toString(), "--shard", "9/9");
        assertEquals(0, none.exit(), none.err());
        assertTrue(rowIds(none).isEmpty(), "shard 9/9 owns no unit: " + rowIds(none));
        CompareRun merged = CompareRun.run(parts, "compare", file.toString(), "--out", parts.toString(), "--merge",
                parts.resolve("shards/1-of-2").toString(), parts.resolve("shards/2-of-2").toString(), idle.toString());
        assertEquals(0, merged.exit(), merged.err());
        @SuppressWarnings("unchecked") List<String> notes = (List<String>) merged.report().get("notes");
        assertTrue(notes.stream().anyMatch(n -> n.contains("9-of-9 held no row")), "notes: " + notes);
        assertEquals(rowIds(one), seen, "the shards together ran the rows of one run");
        assertEquals(rowIds(one), rowIds(merged), "the merged report has the rows of one run");
        assertEquals(Boolean.TRUE, merged.report().get("complete"));
        assertTrue(merged.out().contains("0 rows run now"), merged.out());
        assertEquals(10 + 2, rowIds(one).size(), "2 variants × 5 workloads, and 2 perplexity rows");
        checkFloorsAndSpreads(one);
        checkFloorsAndSpreads(merged);
    }

    /** Every ok row: each figure at most its floor (5% for timer noise), and min <= median <= max. */
    private static void checkFloorsAndSpreads(CompareRun run) {
        for (Map<String, Object> r : run.list("rows")) {
            assertEquals("ok", r.get("status"), r.toString());
            boolean synthetic = "synthetic".equals(r.get("fill"));
            for (String f : synthetic ? List.of("decode") : List.of("prefill", "decode")) {
                double rate = num(r, f + "_tokens_per_s"), floor = num(r, f + "_floor_tokens_per_s");
                double min = num(r, f + "_tokens_per_s_min"), max = num(r, f + "_tokens_per_s_max");
                assertTrue(floor > 0 && rate <= floor * 1.05, r.get("row") + ": " + f + " " + rate + " tok/s above its floor " + floor);
                assertTrue(min <= rate && rate <= max, r.get("row") + ": " + f + " min " + min + ", median " + rate + ", max " + max);
                assertEquals(100 * rate / floor, num(r, f + "_percent_of_floor"), 1e-9 * 100 * rate / floor);
            }
            if (synthetic) {
                assertEquals(null, r.get("prefill_tokens_per_s"), "a synthetic context has no prefill figure: " + r);
                assertEquals(0.0, num(r, "prefill_tokens"));
            }
            assertEquals(3.0, num(r, "repetitions"));
            double warm = num(r, "warmup");
            assertTrue(warm >= 1 && warm <= 8, "warm-up within the policy: " + warm);
        }
    }

    @Test
    void badShardsAndForeignMergesAreRefused() {
        Path dir = CompareRun.fresh("shards-refused");
        Path file = CompareRun.write(dir.resolve("a.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), 1));
        CompareRun bad = CompareRun.run(dir, "compare", file.toString(), "--shard", "3/2");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--shard must be I/N with 1 <= I <= N") && bad.err().contains("'3/2'"), bad.err());

        Path other = dir.resolve("other");
        CompareRun first = CompareRun.run(other, "compare", file.toString(), "--out", other.toString(), "--shard", "1/2", "--max-rows", "1");
        assertEquals(0, first.exit(), first.err());
        Path changed = CompareRun.write(dir.resolve("b.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), 2));
        CompareRun refused = CompareRun.run(dir, "compare", changed.toString(), "--out", dir.resolve("b").toString(), "--merge",
                other.resolve("shards/1-of-2").toString());
        assertEquals(1, refused.exit(), refused.err());
        assertTrue(refused.err().contains("holds results of another experiment (config ") && refused.err().contains("b.json (config "),
                refused.err());
    }

    private static Set<String> rowIds(CompareRun run) {
        Set<String> ids = new TreeSet<>();
        for (String key : List.of("rows", "perplexity")) for (Map<String, Object> r : run.list(key)) ids.add((String) r.get("row"));
        return ids;
    }

    private static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        if (!(v instanceof Number n)) throw new AssertionError(r.get("row") + ": " + key + " is " + v);
        return n.doubleValue();
    }
}
