package io.jetrt.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.loader.tokenizer.ChatTemplate;
import io.jetrt.loader.tokenizer.Qwen2Tokenizer;
import io.jetrt.loader.tokenizer.StreamingDecoder;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.demo.DemoModel;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.model.ComposeOptions;
import io.jetrt.runtime.model.Model;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** {@code jetrt generate}: prompt → tokens streamed to stdout, throughput to stderr. */
final class GenerateCommand {
    static final Set<String> FLAGS = Set.of("chat", "greedy");
    private static final Set<String> OPTIONS = Set.of("model", "prompt", "prompt-ids", "messages", "chat", "system", "max-tokens",
            "tokenizer", "bundles");

    private final JetRuntime rt;
    private final Args args;
    private final PrintStream out, err;

    GenerateCommand(JetRuntime rt, Args args, PrintStream out, PrintStream err) {
        this.rt = rt;
        this.args = args;
        this.out = out;
        this.err = err;
    }

    int run() {
        args.rejectUnknown(ComposeArgs.plus(SamplingArgs.plus(OPTIONS)));
        Path dir = args.has("model") ? Path.of(args.get("model", null)) : demoDir(rt, err);
        ComposeOptions options = ComposeArgs.from(args);
        Model model = rt.load(dir, options);
        Path tokDir = args.has("tokenizer") ? Path.of(args.get("tokenizer", null)) : dir;
        Qwen2Tokenizer tok = Files.exists(tokDir.resolve("vocab.json")) ? loadTokenizer(tokDir) : null;
        int[] prompt = prompt(tok, tokDir);
        GenerationConfig gen = GenerationConfig.load(dir);
        SamplingParams sampling = SamplingArgs.from(args, gen);
        Set<Integer> stops = SamplingArgs.stopIds(gen, tok, model.config());
        StreamingDecoder stream = tok == null ? null : tok.streamingDecoder(true);
        Generator.Result r = Generator.generate(model, new int[][] {prompt}, args.integer("max-tokens", 32), sampling, stops, (row, id) -> {
            out.print(stream == null ? id + " " : stream.feed(id));
            out.flush();
        });
        if (stream != null) out.print(stream.finish());
        out.println();
        err.printf("prompt %d tokens, prefill %.1f tok/s; generated %d tokens, decode %.1f tok/s (%s)%n", prompt.length,
                r.prefillTokensPerSecond(), r.tokens().getFirst().length, r.decodeTokensPerSecond(), model.layers().getFirst().backend().id());
        return 0;
    }

    private int[] prompt(Qwen2Tokenizer tok, Path tokDir) {
        if (args.has("prompt-ids")) {
            return Arrays.stream(args.get("prompt-ids", "").split("[,\\s]+")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        }
        String text = args.get("prompt", "jetrt runs hybrid language models");
        if (tok == null) throw new IllegalArgumentException(tokDir + " has no tokenizer (vocab.json); pass --tokenizer DIR or --prompt-ids");
        if (args.has("messages")) {
            return tok.encode(loadTemplate(tokDir).render(ChatMessages.read(Path.of(args.get("messages", null))), true));
        }
        if (args.has("chat")) {
            ChatTemplate template = loadTemplate(tokDir);
            List<ChatTemplate.Message> msgs = args.has("system")
                    ? List.of(new ChatTemplate.Message("system", args.get("system", "")), new ChatTemplate.Message("user", text))
                    : List.of(new ChatTemplate.Message("user", text));
            text = template.render(msgs, true);
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
