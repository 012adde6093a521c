package io.jetrt.tests;

import io.jetrt.experiments.Experiment;
import io.jetrt.experiments.ExperimentException;
import io.jetrt.experiments.ExperimentParser;
import io.jetrt.experiments.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad experiment files: each error names the field by its JSON path and says what is allowed. */
class CompareExperimentErrorsTest {
    private static final String MODEL = "\"model\": {\"demo\": \"tiny\"}";
    private static final String VARIANTS = "\"variants\": [{\"name\": \"jetblock\"}, {\"name\": \"m\", \"overrides\": \"jet:mamba2\"}]";

    /** An empty folder for the experiment file to sit in: no stray file can satisfy a missing path. */
    private static final Path BASE = CompareRun.fresh("errors-parse");

    private static Experiment parse(String json) {
        return ExperimentParser.parse(json, "bad.json", BASE, "bad", BASE.resolve("bad-report"));
    }

    private static String error(String json) {
        return assertThrows(ExperimentException.class, () -> parse(json)).getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            unknown top-level field   | "repetitons": 3                                  | repetitons is not a known field; allowed: name, model, variants, workloads, metrics, backends, repetitions
            backend not offered       | "backends": ["cpu", "gpu"]                        | backends[1] must be one of auto, reference, cpu, cuda; got 'gpu'
            backend twice             | "backends": ["cpu", "cpu"]                        | backends[1] must be listed once; got 'cpu'
            unknown metric            | "metrics": ["prefill", "speed"]                   | metrics[1] must be one of prefill, decode, ttft, latency, state, peak_memory, params, perplexity; got 'speed'
            perplexity without text   | "metrics": ["perplexity"]                         | metrics[0] must be listed only with an evaluation section
            zero prompt length        | "workloads": {"prompt_lengths": [16, 0]}          | workloads.prompt_lengths[1] must be an integer >= 1; got 0
            batch sizes not a list    | "workloads": {"batch_sizes": 4}                   | workloads.batch_sizes must be a non-empty list of integers >= 1 or 'max'; got 4
            unknown workload field    | "workloads": {"prompt_len": [16]}                 | workloads.prompt_len is not a known field of workloads; allowed: prompt_lengths, generation_lengths, batch_sizes
            batch size neither        | "workloads": {"batch_sizes": [8, "all"]}          | workloads.batch_sizes[1] must be an integer >= 1 or 'max'; got 'all'
            unknown fill              | "workloads": {"fill": "random"}                   | workloads.fill must be one of prefill, synthetic; got 'random'
            synthetic, nothing timed  | "workloads": {"generation_lengths": [1, 8], "fill": "synthetic"} | workloads.generation_lengths must be at least 2 with fill synthetic
            second set's field        | "workloads": [{"batch_sizes": [1]}, {"cap_batch": "yes"}] | workloads[1].cap_batch must be true or false; got 'yes'
            empty list of sets        | "workloads": []                                   | workloads must be an object with prompt_lengths, generation_lengths, batch_sizes (and fill), or a non-empty list of them; got
            warm-up cap below floor   | "warmup": 3, "warmup_max": 2                      | warmup_max must be an integer >= 3; got 2
            zero repetitions          | "repetitions": 0                                  | repetitions must be an integer >= 1; got 0
            fractional warm-up        | "warmup": 1.5                                     | warmup must be an integer >= 0; got 1.5
            evaluation without text   | "evaluation": {"max_tokens": 64}                  | evaluation must have exactly one of file, text; got none
            evaluation file missing   | "evaluation": {"file": "nope.txt"}                | evaluation.file must be a readable text file; got 'nope.txt (
            """)
    void topLevelFieldErrorsNameTheFieldAndTheAllowedValues(String what, String field, String expected) {
        String msg = error("{" + MODEL + ", " + VARIANTS + ", " + field + "}");
        assertTrue(msg.startsWith("bad.json: "), msg);
        assertTrue(msg.contains(expected), what + ":\n  expected: " + expected + "\n  got:      " + msg);
    }

    @Test
    void modelAndVariantErrors() {
        assertTrue(error("{\"model\": {\"demo\": \"tiny\", \"checkpoint\": \"x\"}, " + VARIANTS + "}")
                .contains("model must have exactly one of checkpoint, demo, config; got checkpoint and demo"));
        assertTrue(error("{\"model\": {\"demo\": \"huge\"}, " + VARIANTS + "}").contains("model.demo must be one of tiny, 2b; got 'huge'"));
        assertTrue(error("{\"model\": {\"checkpoint\": \"/nonexistent\"}, " + VARIANTS + "}")
                .contains("model.checkpoint must be a checkpoint directory holding config.json; got '/nonexistent"));
        assertTrue(error("{" + MODEL + "}").contains("variants must be a non-empty list"));
        String dup = error("{" + MODEL + ", \"variants\": [{\"name\": \"a\"}, {\"name\": \"a\", \"overrides\": \"jet:gdn\"}]}");
        assertTrue(dup.contains("variants[1].name must be unique among the variants; got 'a'"), dup);
        String syntax = error("{" + MODEL + ", \"variants\": [{\"name\": \"a\"}, {\"name\": \"b\", \"overrides\": \"jet=mamba2\"}]}");
        assertTrue(syntax.contains("variants[1].overrides must be comma-separated <layers>:<block type> rules")
                && syntax.contains("or * (every layer); got 'jet=mamba2"), syntax);
        String field = error("{" + MODEL + ", \"variants\": [{\"name\": \"a\", \"layers\": \"jet:gdn\"}]}");
        assertTrue(field.contains("variants[0].layers is not a known field of variants[0]; allowed: name, overrides"), field);
        assertTrue(error("{" + MODEL + ", " + VARIANTS + ",}").contains("bad.json: not valid JSON"));
    }

    @Test
    void defaultsAreFilledIn() {
        Experiment e = parse("{" + MODEL + ", " + VARIANTS + "}");
        assertEquals(List.of("auto"), e.backends());
        assertEquals(3, e.repetitions());
        assertEquals(1, e.warmup());
        assertTrue(!e.measures(Metric.PERPLEXITY) && e.measures(Metric.DECODE), "all metrics but perplexity without a text");
        assertEquals(BASE.resolve("bad-report"), e.output());
    }

    @Test
    void overridesAreCheckedAgainstTheModelAndTheInstalledBundles() {
        Path dir = CompareRun.fresh("errors");
        String tiny = Fixtures.tinyJet().toAbsolutePath().toString();
        String[][] cases = {
            {"jet:mamba3", "variants[1].overrides must name block types an installed bundle offers (attn, gdn, jet, mamba2, swa); got 'mamba3'"},
            {"0-9:gdn", "variants[1].overrides must stay within the model's layers 0-5; got '0-9:gdn'"},
            {"jte:gdn", "variants[1].overrides must select layers by a type the model has (attn, jet, swa), an index, a range within 0-5 or *; got 'jte'"},
        };
        for (String[] c : cases) {
            Path file = CompareRun.write(dir.resolve("e.json"), "{\"model\": {\"checkpoint\": \"" + tiny + "\"}, \"variants\": "
                    + "[{\"name\": \"base\"}, {\"name\": \"bad\", \"overrides\": \"" + c[0] + "\"}]}");
            CompareRun r = CompareRun.run(dir, "compare", file.toString(), "--out", dir.resolve("out").toString());
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.err().contains(c[1]), c[0] + ":\n  expected: " + c[1] + "\n  got: " + r.err());
        }
    }
}
