package io.jetrt.cli;

import io.jetrt.loader.config.GenerationConfig;
import io.jetrt.loader.tokenizer.ChatTemplate;
import io.jetrt.loader.tokenizer.Qwen2Tokenizer;
import io.jetrt.loader.tokenizer.StreamingDecoder;
import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;
import io.jetrt.runtime.engine.Generator;
import io.jetrt.runtime.engine.SamplingParams;
import io.jetrt.runtime.host.BundleManager;
import io.jetrt.runtime.model.Layer;
import io.jetrt.runtime.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code jetrt chat}: a running runtime to talk to, one line per user turn. Lines starting with ':' manage
 * it while it runs — {@code :install JAR}, {@code :update JAR}, {@code :uninstall JAR}, {@code :layers},
 * {@code :bundles}, {@code :reset}, {@code :quit} — and the bundles directory is watched, so a jar copied
 * there is picked up between turns or even during one (the step in flight finishes first).
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A running runtime to talk to, one line per turn; its bundles directory is watched.",
                "Lines starting with ':' manage it: :install JAR, :update JAR, :uninstall JAR, :layers, :bundles, :reset, :quit."
                        + " A jar copied into the bundles directory is picked up between turns.",
                "Without --model: the embedded demo model (random weights, written on the fly)."})
final class ChatCommand implements JetrtCommand {
    @Option(names = "--model", paramLabel = "DIR", description = "a Hugging Face checkpoint directory (default: the demo model)")
    Path model;

    @Option(names = "--system", paramLabel = "TEXT", description = "the system message, kept across :reset")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "tokens per reply at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Mixin SamplingMixin sampling;
    @Mixin ComposeMixin compose;
    @Mixin BundlesMixin bundles;

    private JetRuntime rt;
    private BufferedReader in;
    private PrintStream out;

    /** A long-running session picks up jars dropped into the bundles directory. */
    @Override public RuntimeSettings settings() { return bundles.settings().watching(1000); }

    @Override public int run(JetRuntime rt, Streams io) throws IOException {
        this.rt = rt;
        this.in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
        this.out = io.out();
        Path dir = model != null ? model : GenerateCommand.demoDir(rt, io.err());
        Model m = rt.load(dir, compose.options());
        Qwen2Tokenizer tok = Qwen2Tokenizer.load(dir);
        ChatTemplate template = ChatTemplate.load(dir);
        List<ChatTemplate.Message> history = new ArrayList<>();
        if (system != null) history.add(new ChatTemplate.Message("system", system));
        GenerationConfig gen = GenerationConfig.load(dir);
        SamplingParams params = sampling.params(gen);
        Set<Integer> stops = SamplingMixin.stopIds(gen, tok, m.config());
        out.println("jetrt chat: type a message, or :install/:update/:uninstall JAR, :layers, :bundles, :reset, :quit");
        for (String line; (line = prompt()) != null; ) {
            if (line.isBlank()) continue;
            if (line.startsWith(":")) {
                if (!command(line.trim(), m, history)) break;
                continue;
            }
            history.add(new ChatTemplate.Message("user", line));
            int[] ids = tok.encode(template.render(history, true));
            StreamingDecoder stream = tok.streamingDecoder(true);
            StringBuilder reply = new StringBuilder();
            try {
                Generator.generate(m, new int[][] {ids}, maxTokens, params, stops, (row, id) -> {
                    String piece = stream.feed(id);
                    reply.append(piece);
                    out.print(piece);
                    out.flush();
                });
                reply.append(stream.finish());
                history.add(new ChatTemplate.Message("assistant", reply.toString()));
                out.println();
            } catch (RuntimeException e) { // a faulty or missing block ends this turn, not the session
                history.removeLast();
                out.println();
                out.println("! " + e.getMessage());
            }
        }
        return 0;
    }

    private String prompt() throws IOException {
        out.print("> ");
        out.flush();
        return in.readLine();
    }

    /** Handles a ':' line; false to quit. */
    private boolean command(String line, Model model, List<ChatTemplate.Message> history) {
        String[] w = line.split("\\s+", 2);
        switch (w[0]) {
            case ":quit", ":q" -> { return false; }
            case ":reset" -> {
                history.removeIf(m -> !m.role().equals("system"));
                out.println("history cleared");
            }
            case ":layers" -> {
                for (Layer l : model.layers()) {
                    out.printf("  %2d %-8s %s%n", l.index(), l.type(), l.available()
                            ? l.binding() + ", " + l.backend().id() : "UNAVAILABLE (no provider)");
                }
            }
            case ":bundles" -> rt.host().bundles().stream().filter(b -> b.getBundleId() != 0)
                    .forEach(b -> out.printf("  %-3d %-34s %s%n", b.getBundleId(), b.getSymbolicName(), b.getVersion()));
            case ":install", ":update", ":uninstall" -> {
                if (w.length < 2) {
                    out.println("! " + w[0] + " needs a jar path");
                    break;
                }
                Path jar = Path.of(w[1].trim());
                BundleManager.Outcome o = switch (w[0]) {
                    case ":install" -> rt.bundles().install(jar);
                    case ":update" -> rt.bundles().update(jar);
                    default -> rt.bundles().uninstall(jar);
                };
                o.started().forEach(b -> out.println("  active: " + b.getSymbolicName() + " " + b.getVersion()));
                o.failures().forEach(f -> out.println("! " + f));
                if (o.ok()) out.println("  done");
            }
            default -> out.println("! unknown command " + w[0] + " (:install :update :uninstall :layers :bundles :reset :quit)");
        }
        return true;
    }
}
