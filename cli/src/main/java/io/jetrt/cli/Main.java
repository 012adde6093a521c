package io.jetrt.cli;

import io.jetrt.runtime.JetRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;

/**
 * {@code jetrt <command> [options]}: generate, chat, info, verify, demo, bench, compare, each with
 * {@code --help}. A usage error exits 2, a failure while running 1; either is reported on stderr in one
 * line, {@code jetrt <command>: <message>} (the stack trace too with {@code -Djetrt.debug=true}).
 */
public final class Main {
    @Command(name = "jetrt", mixinStandardHelpOptions = true,
            description = "Runs hybrid language models composed of plug-in attention blocks (OSGi bundles).",
            subcommands = {GenerateCommand.class, ChatCommand.class, InfoCommand.class, VerifyCommand.class, DemoCommand.class,
                    BenchCommand.class, CompareCommand.class, RetrofitCommand.class, HelpCommand.class},
            footer = {"", "Every command has --help: jetrt generate --help"})
    static final class Root {}

    /** The version of the jar this runs from (its manifest), or a note that it runs from classes. */
    static final class Version implements IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jetrt " + (v != null ? v : "(not run from a jar: version unknown)")};
        }
    }

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    public static int run(String[] argv, PrintStream out, PrintStream err) {
        return run(argv, InputStream.nullInputStream(), out, err);
    }

    /** Runs one command; returns the exit code. Errors are reported in one line, not a stack trace. */
    public static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, out.charset()), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(err, err.charset()), true));
        String name = "jetrt";
        try {
            ParseResult parsed = cl.parseArgs(argv);
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) return help;
            if (!parsed.hasSubcommand()) {
                cl.usage(out, CommandLine.Help.Ansi.OFF);
                return 2;
            }
            name = parsed.subcommand().commandSpec().qualifiedName();
            JetrtCommand command = (JetrtCommand) parsed.subcommand().commandSpec().userObject();
            command.check();
            try (JetRuntime rt = JetRuntime.start(command.settings())) {
                return command.run(rt, new Streams(in, out, err));
            }
        } catch (ParameterException e) {
            err.println(e.getCommandLine().getCommandSpec().qualifiedName() + ": " + message(e));
            return 2;
        } catch (RuntimeException | IOException e) {
            err.println(name + ": " + e.getMessage());
            if (Boolean.getBoolean("jetrt.debug")) e.printStackTrace(err);
            return 1;
        }
    }

    /** The command tree with fresh option objects: parse once per instance. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Root());
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        IVersionProvider version = new Version();
        cl.getCommandSpec().versionProvider(version);
        for (CommandLine sub : cl.getSubcommands().values()) sub.getCommandSpec().versionProvider(version);
        return cl;
    }

    /**
     * picocli's message, except: an unknown option names the closest valid one, an unknown command lists the
     * commands, and a missing option or parameter says what it is for.
     */
    private static String message(ParameterException e) {
        CommandLine at = e.getCommandLine();
        if (e instanceof MissingParameterException m) {
            return m.getMessage() + m.getMissing().stream().filter(a -> a.required()).map(a -> " (" + String.join(" ", a.description()) + ")").findFirst().orElse("");
        }
        if (!(e instanceof UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) return e.getMessage();
        String arg = u.getUnmatched().getFirst();
        if (arg.startsWith("-")) {
            List<String> near = u.getSuggestions();
            return "unknown option " + arg + (near.isEmpty() ? "" : "; did you mean " + near.getFirst() + "?");
        }
        if (at.getParent() == null) return "unknown command '" + arg + "'; commands: " + String.join(", ", at.getSubcommands().keySet());
        return "unexpected argument '" + arg + "'";
    }
}
