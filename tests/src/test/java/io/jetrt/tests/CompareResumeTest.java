package io.jetrt.tests;

import io.jetrt.loader.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An experiment interrupted midway resumes without redoing finished rows: stopped after 4 rows
 * ({@code --max-rows}), then run to the end, then cut as a kill would cut it (half a line appended), then
 * changed — each time results.jsonl and the report say exactly which rows ran.
 */
class CompareResumeTest {
    private static final String EXPERIMENT = """
            {
              "model": {"checkpoint": "%s"},
              "variants": [{"name": "jetblock"}, {"name": "gdn", "overrides": "jet:gdn"}, {"name": "mamba2", "overrides": "jet:mamba2"}],
              "workloads": {"prompt_lengths": [6, 12], "generation_lengths": [3], "batch_sizes": [1]},
              "backends": ["cpu"],
              "repetitions": %d,
              "warmup": 0,
              "evaluation": {"text": "resume me", "max_tokens": 16}
            }
            """;

    @Test
    void resumesWithoutRecomputingFinishedRows() throws Exception {
        Path dir = CompareRun.fresh("resume");
        Path file = CompareRun.write(dir.resolve("resume.json"), EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), 1));
        Path out = dir.resolve("resume-report"); // the default: <file name>-report beside the file
        Path results = out.resolve("results.jsonl");

        CompareRun first = CompareRun.run(out, "compare", file.toString(), "--max-rows", "4");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("stopped after 4 row(s)"), first.out());
        assertTrue(first.out().contains("4 rows run now, 0 resumed"), first.out());
        List<String> afterFirst = Files.readAllLines(results);
        assertEquals(4, measured(afterFirst).size(), "4 measured rows stored: " + afterFirst);
        assertEquals(Boolean.FALSE, first.report().get("complete"));
        assertTrue(CompareRun.read(out.resolve("report.html")).contains("incomplete: rerun to resume"));

        CompareRun second = CompareRun.run(out, "compare", file.toString());
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().contains("5 rows run now, 4 resumed"), second.out());
        assertTrue(second.err().contains("4 already finished"), second.err());
        List<String> afterSecond = Files.readAllLines(results);
        assertEquals(afterFirst, afterSecond.subList(0, afterFirst.size()), "finished lines are kept as they were");
        List<String> ids = measured(afterSecond);
        assertEquals(9, ids.size(), "3 variants × (2 workloads + perplexity)");
        assertEquals(9, new HashSet<>(ids).size(), "no row ran twice: " + ids);
        Map<String, Object> report = second.report();
        assertEquals(Boolean.TRUE, report.get("complete"));
        @SuppressWarnings("unchecked") List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("rows");
        @SuppressWarnings("unchecked") List<Map<String, Object>> ppl = (List<Map<String, Object>>) report.get("perplexity");
        assertEquals(6, rows.size());
        assertEquals(3, ppl.size());
        // a row resumed from the first run is reported with the first run's numbers
        String id = "perf:jetblock/p6-g3-b1/cpu";
        Map<String, Object> stored = Json.parseObject(afterFirst.stream().filter(l -> l.contains("\"" + id + "\"")).findFirst().orElseThrow());
        Map<String, Object> reported = rows.stream().filter(r -> r.get("row").equals(id)).findFirst().orElseThrow();
        assertEquals(stored.get("prefill_ms"), reported.get("prefill_ms"));

        // a kill while a line was being written leaves half a line: it is ignored, nothing reruns
        Files.writeString(results, "{\"config_hash\":\"", StandardOpenOption.APPEND);
        CompareRun third = CompareRun.run(out, "compare", file.toString());
        assertEquals(0, third.exit(), third.err());
        assertTrue(third.out().contains("0 rows run now, 9 resumed"), third.out());
        assertTrue(third.err().contains("ignored 1 unreadable line"), third.err());

        // another experiment (3 repetitions instead of 1) has another config hash: all its rows run
        CompareRun.write(file, EXPERIMENT.formatted(Fixtures.tinyJet().toAbsolutePath(), 3));
        CompareRun changed = CompareRun.run(out, "compare", file.toString(), "--max-rows", "1");
        assertTrue(changed.out().contains("1 rows run now, 0 resumed"), changed.out());
        Set<Object> hashes = new HashSet<>();
        for (String l : Files.readAllLines(results)) {
            if (l.startsWith("{\"config_hash\":\"") && l.endsWith("}")) hashes.add(Json.parseObject(l).get("config_hash"));
        }
        assertEquals(2, hashes.size());
    }

    /** Row ids of the measured rows (timed and perplexity; variant profiles are not rows of the plan). */
    private static List<String> measured(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank() && l.endsWith("}")).map(Json::parseObject)
                .map(m -> (String) m.get("row")).filter(id -> !id.startsWith("variant:")).toList();
    }
}
