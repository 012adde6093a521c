package io.jetrt.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.loader.tokenizer.ChatTemplate;
import io.jetrt.loader.tokenizer.Qwen2Tokenizer;
import io.jetrt.loader.tokenizer.StreamingDecoder;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.demo.DemoModel;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code jetrt generate}: prompt → tokens streamed to stdout, throughput to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generates from a prompt: tokens streamed to stdout, throughput to stderr.",
                "Sampling defaults come from the model's generation_config.json (greedy without one).",
                "Without --model: the embedded demo model (random weights, written on the fly)."})
final class GenerateCommand implements JetrtCommand {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face checkpoint directory (default: the demo model)")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "jetrt runs hybrid language models",
            description = "the prompt text (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--prompt-ids", paramLabel = "ID", split = "[,\\s]+", splitSynopsisLabel = ",",
            description = "token ids instead of text, comma-separated (1,2,3)")
    List<Integer> promptIds;

    @Option(names = "--messages", paramLabel = "FILE.json", description = "a conversation, [{\"role\": \"user\", \"content\": \"...\"}, ...], in the chat template")
    Path messages;

    @Option(names = "--chat", description = "wrap --prompt (and --system) in the model's chat template")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "the system message, with --chat")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "32", description = "tokens to generate at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "where vocab.json, merges.txt and the chat template are (default: --model)")
    Path tokenizer;

    @Mixin SamplingMixin sampling;
    @Mixin ComposeMixin compose;
    @Mixin BundlesMixin bundles;

    @Override public RuntimeSettings settings() { return bundles.settings(); }

    @Override public int run(JetRuntime rt, Streams io) {
        PrintStream out = io.out();
        Path dir = model != null ? model : demoDir(rt, io.err());
        Model m = rt.load(dir, compose.options());
        Path tokDir = tokenizer != null ? tokenizer : dir;
        Qwen2Tokenizer tok = Files.exists(tokDir.resolve("vocab.json")) ? loadTokenizer(tokDir) : null;
        int[] ids = prompt(tok, tokDir);
        GenerationConfig gen = GenerationConfig.load(dir);
        SamplingParams params = sampling.params(gen);
        Set<Integer> stops = SamplingMixin.stopIds(gen, tok, m.config());
        StreamingDecoder stream = tok == null ? null : tok.streamingDecoder(true);
        Generator.Result r = Generator.generate(m, new int[][] {ids}, maxTokens, params, stops, (row, id) -> {
            out.print(stream == null ? id + " " : stream.feed(id));
            out.flush();
        });
        if (stream != null) out.print(stream.finish());
        out.println();
        io.err().printf("prompt %d tokens, prefill %.1f tok/s; generated %d tokens, decode %.1f tok/s (%s)%n", ids.length,
                r.prefillTokensPerSecond(), r.tokens().getFirst().length, r.decodeTokensPerSecond(), m.layers().getFirst().backend().id());
        return 0;
    }

    private int[] prompt(Qwen2Tokenizer tok, Path tokDir) {
        if (promptIds != null) return promptIds.stream().mapToInt(Integer::intValue).toArray();
        if (tok == null) throw new IllegalArgumentException(tokDir + " has no tokenizer (vocab.json); pass --tokenizer DIR or --prompt-ids");
        if (messages != null) return tok.encode(loadTemplate(tokDir).render(ChatMessages.read(messages), true));
        String text = prompt;
        if (chat) {
            List<ChatTemplate.Message> msgs = system != null
                    ? List.of(new ChatTemplate.Message("system", system), new ChatTemplate.Message("user", text))
                    : List.of(new ChatTemplate.Message("user", text));
            text = loadTemplate(tokDir).render(msgs, true);
        }
        return tok.encode(text);
    }

    /** The embedded demo model, written to a fresh temporary directory (removed at exit). */
    static Path demoDir(JetRuntime rt, PrintStream err) {
        Path d = DemoModel.writeTemporary(rt.registry(), 20251126L, DemoModel.Shape.TINY);
        err.println("no --model given: wrote the embedded demo model (random weights) to " + d);
        return d;
    }

    private static Qwen2Tokenizer loadTokenizer(Path dir) {
        try {
            return Qwen2Tokenizer.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer in " + dir, e);
        }
    }

    private static ChatTemplate loadTemplate(Path dir) {
        try {
            return ChatTemplate.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat template in " + dir, e);
        }
    }
}
