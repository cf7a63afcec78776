package dev.coroner.cli;

import dev.coroner.base.text.SafeText;
import dev.coroner.cli.debug.DebugCommand;
import dev.coroner.cli.demo.DemoCommand;
import dev.coroner.cli.dumps.GetCommand;
import dev.coroner.cli.dumps.GroupsCommand;
import dev.coroner.cli.dumps.InfoCommand;
import dev.coroner.cli.dumps.ListCommand;
import dev.coroner.cli.dumps.RmCommand;
import dev.coroner.cli.dumps.StoreOptions;
import dev.coroner.cli.errors.CliException;
import dev.coroner.cli.install.InstallCommand;
import dev.coroner.cli.install.UninstallCommand;
import dev.coroner.cli.k8s.GcCommand;
import dev.coroner.cli.snapshot.SnapshotCommand;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code coroner} command. */
@Command(
    name = "coroner",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Catch crashing processes at the moment of death and take you to a debugger.",
      "",
      "On one host: 'coroner install' sets the kernel's core handler; crashes become dumps",
      "in /var/lib/coroner/dumps. 'coroner demo' shows the whole flow with a crashing",
      "Node.js app."
    },
    subcommands = {
      ListCommand.class,
      GroupsCommand.class,
      InfoCommand.class,
      GetCommand.class,
      DebugCommand.class,
      SnapshotCommand.class,
      RmCommand.class,
      GcCommand.class,
      InstallCommand.class,
      UninstallCommand.class,
      DemoCommand.class,
      picocli.AutoComplete.GenerateCompletion.class,
      CommandLine.HelpCommand.class
    })
public final class Main {
  @Option(
      names = "--stacktrace",
      scope = CommandLine.ScopeType.INHERIT,
      description = "Print the stack trace of a failure.")
  boolean stacktrace;

  /** Runs the CLI on the console and exits with its code. */
  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true),
            new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true)));
  }

  /** Runs the CLI with the given streams; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, System.getenv());
  }

  /** Runs the CLI with the given streams and environment; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
    CliConfig config;
    try {
      config = CliConfig.load(env, home(env));
    } catch (CliException e) {
      err.println("coroner: " + e.getMessage());
      return e.exitCode();
    }
    config.warnings().forEach(w -> err.println("coroner: " + w));
    CommandLine cl =
        args.length > 0 && args[0].equals("snapshot")
            ? snapshotCommandLine(config)
            : commandLine(config);
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /** $HOME, as shells and other tools use it; the passwd entry's only when it is unset. */
  static Path home(java.util.Map<String, String> env) {
    String home = env.get("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /** The configured command line, for tests that parse without running. */
  public static CommandLine commandLine(CliConfig config) {
    Main main = new Main();
    CommandLine cl = configure(new CommandLine(main), config, () -> main.stacktrace);
    Objects.requireNonNull(
            cl.getSubcommands().get("generate-completion"), "Main lists generate-completion")
        .getCommandSpec()
        .usageMessage()
        .hidden(false);
    return cl;
  }

  /**
   * {@code coroner snapshot ...}: the same root with that one subcommand. picocli builds the model
   * of every subcommand it is given (half a second of a snapshot's start, measured), and a snapshot
   * is timed against gcore.
   */
  static CommandLine snapshotCommandLine(CliConfig config) {
    SnapshotRoot root = new SnapshotRoot();
    return configure(new CommandLine(root), config, () -> root.stacktrace);
  }

  /**
   * The root of {@link #snapshotCommandLine}: Main's name and options ({@code configure} adds the
   * exit codes).
   */
  @Command(
      name = "coroner",
      mixinStandardHelpOptions = true,
      versionProvider = Main.Version.class,
      subcommands = {SnapshotCommand.class})
  static final class SnapshotRoot {
    @Option(
        names = "--stacktrace",
        scope = CommandLine.ScopeType.INHERIT,
        description = "Print the stack trace of a failure.")
    boolean stacktrace;
  }

  /** The exit codes both roots list in their help (docs/cli.md has the whole table). */
  private static final Map<String, String> EXIT_CODES = exitCodes();

  private static Map<String, String> exitCodes() {
    Map<String, String> codes = new java.util.LinkedHashMap<>();
    codes.put("0", "ok");
    codes.put("1", "failure");
    codes.put("2", "usage error");
    codes.put("3", "not found (dump, pod)");
    codes.put("4", "storage or cluster unreachable, or auth failed");
    codes.put("5", "internal error (a bug; rerun with --stacktrace and report it)");
    return java.util.Collections.unmodifiableMap(codes);
  }

  private static CommandLine configure(
      CommandLine cl, CliConfig config, java.util.function.BooleanSupplier stacktrace) {
    cl.getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(EXIT_CODES);
    cl.setDefaultValueProvider(
        arg -> {
          String name = arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : "";
          return switch (name) {
            case StoreOptions.OPTION -> config.store();
            case StoreOptions.S3_ENDPOINT_OPTION -> config.s3Endpoint();
            case DebugCommand.CACHE_OPTION -> config.cacheDir().toString();
            default -> arg.defaultValue();
          };
        });
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          boolean trace = stacktrace.getAsBoolean() || parseResult.hasMatchedOption("--stacktrace");
          if (e instanceof CliException ce) {
            // A message may quote what a dump holds (an entry name, a reason): never raw.
            err.println("coroner: " + SafeText.lines(ce.getMessage()));
            if (trace) {
              e.printStackTrace(err);
            }
            return ce.exitCode();
          }
          err.println(
              "coroner: internal error: "
                  + SafeText.lines(String.valueOf(e))
                  + (trace ? "" : "\nRerun with --stacktrace and report it."));
          if (trace) {
            e.printStackTrace(err);
          }
          return CliException.INTERNAL;
        });
    return cl;
  }

  /** Commands that change the machine: never offered as a guess for a typo. */
  private static final java.util.Set<String> NOT_SUGGESTED =
      java.util.Set.of("install", "uninstall", "demo");

  /**
   * A usage error: the message, a "did you mean" that never guesses a command that changes the
   * machine ({@code lst} must not suggest {@code install}), and where help is.
   */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("coroner: " + e.getMessage());
    if (e instanceof CommandLine.UnmatchedArgumentException u) {
      List<String> guesses =
          u.getSuggestions().stream().filter(g -> !NOT_SUGGESTED.contains(g)).limit(3).toList();
      if (!guesses.isEmpty()) {
        err.println("Did you mean: " + String.join(", ", guesses) + "?");
      }
    }
    err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
    return CliException.USAGE;
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"coroner " + (v == null ? "dev" : v)};
    }
  }
}
