package io.jetrt.runtime.cli;

import io.jetrt.runtime.JetRuntime;
import io.jetrt.runtime.RuntimeSettings;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/** {@code jetrt <command> [options]}: generate, info, verify, demo. */
public final class Main {
    private static final String USAGE = """
            usage: jetrt <command> [options]
              generate [--model DIR] [--prompt TEXT | --prompt-ids 1,2,3] [--chat] [--system TEXT]
                       [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]
                       [--backend reference|cpu] [--override 0-13:mamba2,jet:gdn] [--init-seed S] [--tokenizer DIR]
                       without --model: runs the embedded demo model (random weights, written on the fly)
              info     framework, bundles, block types and backends
              verify   FILE.safetensors | MODEL_DIR  [--backend reference|cpu]   exit 0 only when every check passes
              demo     --out DIR [--shape tiny|2b]   write the demo model (random weights) as a Hugging Face directory
              bench    [--model DIR] [--prompt-len N] [--gen N] [--batch B] [--backend cpu]   tokens/s next to the GEMM floor
            common: --bundles DIR (default build/bundles or -Djetrt.bundles)
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command; returns the exit code. Errors are reported in one line, not a stack trace. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String command = argv[0];
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (!java.util.Set.of("generate", "info", "verify", "demo", "bench").contains(command)) {
            err.println("jetrt: unknown command '" + command + "'");
            err.print(USAGE);
            return 2;
        }
        try {
            Args args = new Args(rest, GenerateCommand.FLAGS);
            RuntimeSettings settings = RuntimeSettings.defaults();
            if (args.has("bundles")) settings = settings.withBundles(Path.of(args.get("bundles", null)));
            try (JetRuntime rt = JetRuntime.start(settings)) {
                return switch (command) {
                    case "generate" -> new GenerateCommand(rt, args, out, err).run();
                    case "info" -> new InfoCommand(rt, out).run(args);
                    case "verify" -> new VerifyCommand(rt, args, out).run();
                    case "bench" -> new BenchCommand(rt, args, out).run();
                    default -> new DemoCommand(rt, args, out).run();
                };
            }
        } catch (RuntimeException e) {
            err.println("jetrt " + command + ": " + e.getMessage());
            if (Boolean.getBoolean("jetrt.debug")) e.printStackTrace(err);
            return 1;
        }
    }
}
