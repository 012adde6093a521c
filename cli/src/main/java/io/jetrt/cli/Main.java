package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** {@code jetrt <command> [options]}: generate, info, verify, demo, bench, compare. */
public final class Main {
    private static final String USAGE = """
            usage: jetrt <command> [options]
              generate [--model DIR] [--prompt TEXT | --prompt-ids 1,2,3 | --messages FILE.json] [--chat] [--system TEXT]
                       [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--greedy] [--seed S] [--tokenizer DIR]
                       sampling defaults come from the model's generation_config.json (greedy without one)
                       without --model: runs the embedded demo model (random weights, written on the fly)
              chat     [--model DIR] [--system TEXT] ...   a running runtime: one line per turn; :install/:update/
                       :uninstall JAR, :layers, :bundles, :reset, :quit; the bundles directory is watched
              info     [--model DIR]   framework, bundles, block types and backends; with a model, what is bound where
              verify   FILE.safetensors | MODEL_DIR  [--backend reference|cpu|cuda]   exit 0 only when every check passes
              demo     --out DIR [--shape tiny|2b]   write the demo model (random weights) as a Hugging Face directory
              bench    [--model DIR] [--prompt-len N[,N..]] [--gen N] [--batch B[,B..]] [--backend cpu|cuda] [--profile] [--json FILE]
                       prefill and decode tokens/s next to their floors (GEMM rate, bandwidth)
              compare  [EXPERIMENT.json] [--out DIR] [--max-rows N]   block variants side by side: tables, CSV, JSON, HTML
                       without a file: the built-in default comparison; a rerun resumes finished rows
            model options: --override 0-13:mamba2,jet:gdn  --pin jet:1.0  --backend reference|cpu|cuda  --init-seed S
            common: --bundles DIR (default build/bundles or -Djetrt.bundles)
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, InputStream.nullInputStream(), out, err);
    }

    /** Runs one command; returns the exit code. Errors are reported in one line, not a stack trace. */
    public static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String command = argv[0];
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (!java.util.Set.of("generate", "chat", "info", "verify", "demo", "bench", "compare").contains(command)) {
            err.println("jetrt: unknown command '" + command + "'");
            err.print(USAGE);
            return 2;
        }
        try {
            Args args = new Args(rest, command.equals("bench") ? java.util.Set.of("profile") : GenerateCommand.FLAGS);
            RuntimeSettings settings = RuntimeSettings.defaults();
            if (args.has("bundles")) settings = settings.withBundles(Path.of(args.get("bundles", null)));
            if (command.equals("chat")) settings = settings.watching(1000); // a long-running session picks up dropped-in jars
            try (JetRuntime rt = JetRuntime.start(settings)) {
                return switch (command) {
                    case "generate" -> new GenerateCommand(rt, args, out, err).run();
                    case "chat" -> new ChatCommand(rt, args, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), out).run();
                    case "info" -> new InfoCommand(rt, out).run(args);
                    case "verify" -> new VerifyCommand(rt, args, out).run();
                    case "bench" -> new BenchCommand(rt, args, out).run();
                    case "compare" -> new CompareCommand(rt, args, out, err).run();
                    default -> new DemoCommand(rt, args, out).run();
                };
            }
        } catch (RuntimeException | IOException e) {
            err.println("jetrt " + command + ": " + e.getMessage());
            if (Boolean.getBoolean("jetrt.debug")) e.printStackTrace(err);
            return 1;
        }
    }
}
