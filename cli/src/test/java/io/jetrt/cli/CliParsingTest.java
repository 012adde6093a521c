package io.jetrt.cli;

import io.jetrt.demo.DemoModel;
import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.model.LayerRules;
import io.jetrt.spi.Backend;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as parsed, without starting a runtime or loading a model: help, typed options, lists,
 * and the one-line usage errors (exit 2) {@link Main#run} prints for unknown options, bad values and
 * missing ones. Every case here ends before {@code JetRuntime.start}.
 */
class CliParsingTest {
    private static final List<String> COMMANDS = List.of("generate", "chat", "info", "verify", "demo", "bench", "compare");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() { return out.toString(StandardCharsets.UTF_8); }

    private String err() { return err.toString(StandardCharsets.UTF_8); }

    /** The command object of {@code args[0]} after picocli parsed {@code args}. */
    @SuppressWarnings("unchecked")
    private static <T> T parse(String... args) {
        return (T) Main.commandLine().parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        assertEquals(0, run("--help"), err());
        for (String c : COMMANDS) assertTrue(out().lines().anyMatch(l -> l.strip().startsWith(c + " ")), c + " missing from:\n" + out());
        assertTrue(out().contains("Every command has --help"), out());
    }

    @Test
    void everyCommandsHelpExitsZeroAndListsItsOptions() {
        CommandLine cl = Main.commandLine();
        for (String c : COMMANDS) {
            out.reset();
            assertEquals(0, run(c, "--help"), c + ": " + err());
            assertTrue(out().startsWith("Usage: jetrt " + c), out());
            List<OptionSpec> options = cl.getSubcommands().get(c).getCommandSpec().options();
            assertTrue(options.size() >= 3, c + " has only " + options.size() + " options");
            for (OptionSpec o : options) assertTrue(out().contains(o.longestName()), c + " --help lacks " + o.longestName() + ":\n" + out());
            assertTrue(out().contains("--bundles=DIR"), c + " --help lacks --bundles:\n" + out());
        }
        assertEquals("", err());
    }

    @Test
    void helpCommandAndNoCommand() {
        assertEquals(0, run("help", "bench"));
        assertTrue(out().startsWith("Usage: jetrt bench") && out().contains("--prompt-len"), out());
        out.reset();
        assertEquals(2, run());
        assertTrue(out().startsWith("Usage: jetrt") && out().contains("compare"), out());
    }

    @Test
    void unknownOptionNamesTheClosestValidOne() {
        assertEquals(2, run("generate", "--max-token", "5"));
        assertEquals("jetrt generate: unknown option --max-token; did you mean --max-tokens?" + System.lineSeparator(), err());
        err.reset();
        assertEquals(2, run("verify", "x.safetensors", "--bakend", "cpu"));
        assertTrue(err().startsWith("jetrt verify: unknown option --bakend; did you mean --backend?"), err());
        err.reset();
        assertEquals(2, run("frobnicate"));
        assertTrue(err().startsWith("jetrt: unknown command 'frobnicate'; commands: generate, chat, info, verify, demo, bench, compare"), err());
        assertEquals(1, err().lines().count(), err());
    }

    @Test
    void flagsTakeNoValueAndAnUnknownFlagTakesNone() {
        GenerateCommand g = parse("generate", "--chat", "--prompt", "hi", "--greedy", "--max-tokens", "5");
        assertTrue(g.chat && g.sampling.greedy);
        assertEquals("hi", g.prompt);
        assertEquals(5, g.maxTokens);
        BenchCommand b = parse("bench", "--profile", "--gen", "3");
        assertTrue(b.profile);
        assertEquals(3, b.gen);
        // an unknown flag is refused by its own name; it does not take --max-tokens as its value
        assertEquals(2, run("generate", "--verbose", "--max-tokens", "5"));
        assertTrue(err().startsWith("jetrt generate: unknown option --verbose"), err());
        assertFalse(err().contains("--max-tokens;"), err());
    }

    @Test
    void benchParsesListsIntoBenchOptions() {
        BenchCommand b = parse("bench", "--batch", "1,8", "--prompt-len", "128,4096", "--gen", "64", "--prefill-rows", "8192",
                "--backend", "cpu", "--json", "rows.json");
        b.check();
        BenchOptions o = b.options();
        assertEquals(List.of(1, 8), o.batches());
        assertEquals(List.of(128, 4096), o.promptLens());
        assertEquals(64, o.gen());
        assertEquals(8192, o.prefillRows());
        assertEquals(Backend.CPU, o.compose().backend());
        assertEquals(Path.of("rows.json"), o.json());
        assertNull(o.model());
        assertFalse(o.profile());
        assertFalse(o.syntheticFill());
    }

    @Test
    void benchFillIsPrefillOrSynthetic() {
        BenchCommand b = parse("bench", "--fill", "synthetic", "--prompt-len", "65536", "--batch", "128");
        b.check();
        assertTrue(b.options().syntheticFill());
        assertEquals(2, run("bench", "--fill", "random"));
        assertEquals("jetrt bench: --fill must be prefill or synthetic; got random" + System.lineSeparator(), err());
    }

    @Test
    void benchDefaults() {
        BenchCommand b = parse("bench");
        b.check();
        BenchOptions o = b.options();
        assertEquals(List.of(1), o.batches());
        assertEquals(List.of(256), o.promptLens());
        assertEquals(16, o.gen());
        assertEquals(16384, o.prefillRows());
        assertNull(o.compose().backend());
        assertNull(o.json());
    }

    @Test
    void badNumbersNameTheOption() {
        assertEquals(2, run("bench", "--gen", "lots"));
        assertTrue(err().startsWith("jetrt bench: ") && err().contains("--gen") && err().contains("'lots'"), err());
        err.reset();
        assertEquals(2, run("bench", "--batch", "1,x"));
        assertTrue(err().contains("--batch") && err().contains("'x'"), err());
        err.reset();
        assertEquals(2, run("bench", "--batch", "0,8"));
        assertEquals("jetrt bench: --batch must be >= 1; got 0" + System.lineSeparator(), err());
        err.reset();
        assertEquals(2, run("generate", "--temperature", "hot"));
        assertTrue(err().contains("--temperature") && err().contains("'hot'"), err());
    }

    @Test
    void anOptionMissingItsValue() {
        assertEquals(2, run("generate", "--model"));
        assertTrue(err().startsWith("jetrt generate: ") && err().contains("--model"), err());
        err.reset();
        assertEquals(2, run("generate", "--model", "--greedy"));
        assertTrue(err().contains("--model") && err().contains("--greedy"), err());
    }

    @Test
    void verifyWithoutAPathSaysWhatItNeeds() {
        assertEquals(2, run("verify", "--backend", "cpu"));
        assertTrue(err().startsWith("jetrt verify: ") && err().contains("'FILE|DIR'")
                && err().contains("a block reference file (.safetensors), a gradient fixture") && err().contains("or a model directory"), err());
        err.reset();
        assertEquals(2, run("demo"));
        assertTrue(err().startsWith("jetrt demo: ") && err().contains("--out") && err().contains("the directory to write the model to"), err());
    }

    @Test
    void typedValuesAreCheckedWhileParsing() {
        assertEquals(2, run("info", "--backend", "gpu"));
        assertTrue(err().contains("--backend") && err().contains("backend must be one of reference, cpu, cuda; got 'gpu'"), err());
        err.reset();
        assertEquals(2, run("generate", "--override", "0-13"));
        assertTrue(err().contains("--override") && err().contains("must be <layers>:<value>"), err());
        err.reset();
        assertEquals(2, run("demo", "--out", "d", "--shape", "3b"));
        assertTrue(err().contains("--shape") && err().contains("must be tiny or 2b; got '3b'"), err());
        assertEquals(DemoModel.Shape.JET_2B, ((DemoCommand) parse("demo", "--out", "d", "--shape", "2b")).shape);
    }

    @Test
    void composeOptions() {
        InfoCommand i = parse("info", "--model", "m", "--override", "0-13:mamba2,jet:gdn", "--pin", "jet:1.0", "--backend", "reference",
                "--init-seed", "7", "--bundles", "/tmp/b");
        assertEquals(Path.of("m"), i.model);
        assertEquals(LayerRules.parse("0-13:mamba2,jet:gdn"), i.compose.options().overrides());
        assertEquals(LayerRules.parse("jet:1.0"), i.compose.options().pins());
        assertEquals(Backend.REFERENCE, i.compose.options().backend());
        assertEquals(7L, i.compose.options().initSeed());
        assertEquals(Path.of("/tmp/b"), i.bundles.settings().bundles());
        assertEquals(0L, ((InfoCommand) parse("info")).compose.options().initSeed());
    }

    @Test
    void samplingOverridesTheCheckpointsOneByOne() {
        GenerationConfig sampled = new GenerationConfig(true, 0.6, 20, 0.95, Set.of(2));
        GenerateCommand g = parse("generate", "--top-k", "40", "--seed", "3");
        assertEquals(new SamplingParams(0.6, 40, 0.95, 3), g.sampling.params(sampled));
        g = parse("generate", "--greedy", "--temperature", "0.7");
        assertEquals(new SamplingParams(0.7, 0, 1.0, 0), g.sampling.params(sampled));
        g = parse("generate");
        assertEquals(new SamplingParams(0, 0, 1.0, 0), g.sampling.params(GenerationConfig.GREEDY));
    }

    @Test
    void generatePromptIdsAndChatOptions() {
        GenerateCommand g = parse("generate", "--prompt-ids", "1,2,3", "--messages", "chat.json", "--system", "Be brief.", "--tokenizer", "t");
        assertEquals(List.of(1, 2, 3), g.promptIds);
        assertEquals(Path.of("chat.json"), g.messages);
        assertEquals("Be brief.", g.system);
        assertEquals(Path.of("t"), g.tokenizer);
        assertEquals(32, ((GenerateCommand) parse("generate")).maxTokens);
        assertEquals(128, ((ChatCommand) parse("chat")).maxTokens);
    }

    @Test
    void chatWatchesItsBundlesAndOthersDoNot() {
        assertEquals(1000, ((ChatCommand) parse("chat")).settings().watchMillis());
        assertEquals(0, ((GenerateCommand) parse("generate")).settings().watchMillis());
    }

    @Test
    void compareTakesAtMostOneFile() {
        CompareCommand c = parse("compare", "exp.json", "--out", "r", "--max-rows", "2");
        assertEquals(Path.of("exp.json"), c.experiment);
        assertEquals(Path.of("r"), c.output);
        assertEquals(2, c.maxRows);
        assertNull(((CompareCommand) parse("compare")).experiment);
        assertEquals(2, run("compare", "a.json", "b.json"));
        assertTrue(err().startsWith("jetrt compare: ") && err().contains("b.json"), err());
    }
}
