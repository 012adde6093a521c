package io.jetrt.tests;

import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.Metric;
import io.jetrt.experiments.Variant;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's full example experiment file is valid and means what the README says. */
class CompareReadmeExampleTest {

    @Test
    void readmeExampleParsesWithEveryFieldAsWritten() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Comparing blocks");
        assertTrue(section >= 0, "README has no 'Comparing blocks' section");
        int start = readme.indexOf("```json\n", section) + "```json\n".length();
        String json = readme.substring(start, readme.indexOf("```", start));
        Path dir = CompareRun.fresh("readme");
        Files.writeString(dir.resolve("eval.txt"), "some text to score");
        // the example's checkpoint path is relative to the repository root; here it is made absolute
        json = json.replace("\"../shared/fixtures/model/tiny-jet\"", "\"" + Fixtures.tinyJet().toAbsolutePath() + "\"");
        Experiment e = ExperimentParser.parse(json, "README example", dir, "x", dir.resolve("x"));
        assertEquals("jet-vs-linear", e.name());
        assertEquals(List.of("jetblock", "mamba2", "gdn-front", "full-attn"), e.variants().stream().map(Variant::name).toList());
        assertEquals(3 * 1 * 2, e.workloads().size());
        assertEquals(EnumSet.allOf(Metric.class), e.metrics());
        assertEquals(List.of("cpu", "cuda"), e.backends());
        assertEquals(5, e.repetitions());
        assertEquals(2, e.warmup());
        assertEquals(7, e.initSeed());
        assertEquals(dir.resolve("eval.txt"), e.evaluation().file());
        assertEquals(dir.resolve("jet-vs-linear-report"), e.output());
        assertEquals("0-5:attn", e.variants().getLast().rules(6).rules().stream()
                .map(r -> r.from() + "-" + r.to() + ":" + r.value()).findFirst().orElseThrow(), "* means every layer");
    }
}
