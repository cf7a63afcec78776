package dev.coroner.cli.install;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.cli.errors.CliException;
import dev.coroner.node.CaptureMode;
import dev.coroner.node.ComposerPayload;
import dev.coroner.node.InstallException;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.NodeSetup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code coroner install}: make the composer the kernel's core handler on this host. */
@Command(
    name = "install",
    mixinStandardHelpOptions = true,
    description = {
      "Install coroner as this host's core handler (like systemd-coredump).",
      "",
      "Lays the composer and a jlinked Java runtime under --prefix, writes its",
      "settings, saves the current kernel.core_pattern, kernel.core_pipe_limit",
      "and fs.suid_dumpable, then sets them. Running it again changes only what",
      "differs. Needs root. 'coroner uninstall' stops the receiver, waits for",
      "captures in flight, restores the saved values and removes the files;",
      "dumps are kept.",
      "",
      "Modes (--mode):",
      "  pipe    the kernel starts the composer (a JVM) at every crash, through",
      "          a pipe; at most --pipe-limit crashes at once get a core, the",
      "          rest of a storm none.",
      "  socket  a warm receiver takes the cores from the kernel's coredump",
      "          socket (Linux 6.16+; from 6.17 it rejects a skipped crash",
      "          before any byte): no JVM per crash, and a storm waits in the",
      "          socket's backlog instead of being dropped. Its runtime needs a",
      "          JDK 22+. The pipe composer is installed too and takes the",
      "          crashes whenever the receiver is down: a supervisor (a systemd",
      "          unit where systemd runs) puts its pattern back the moment the",
      "          receiver exits, and restarts the receiver.",
      "  auto    socket where the kernel and a JDK allow it, else pipe, saying",
      "          why (the default)."
    })
public final class InstallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PrefixOption prefix;

  @Mixin CaptureOptions capture;

  @Option(
      names = "--java-home",
      paramLabel = "DIR",
      description =
          "JDK for the composer's runtime (default: the newest JDK 25+ in /usr/lib/jvm, else the"
              + " one running coroner).")
  @Nullable Path javaHome;

  @Option(
      names = "--pipe-limit",
      paramLabel = "N",
      description =
          "kernel.core_pipe_limit: crashes captured in parallel (default: ${DEFAULT-VALUE}).",
      defaultValue = "16")
  int pipeLimit;

  @Option(
      names = "--mode",
      paramLabel = "auto|socket|pipe",
      description = "How the kernel hands cores over; see above (default: ${DEFAULT-VALUE}).",
      defaultValue = "auto",
      converter = ModeConverter.class)
  CaptureMode mode;

  @Option(
      names = "--receiver-workers",
      paramLabel = "N",
      description =
          "Socket mode: crashes captured at once; the rest wait in the kernel's backlog"
              + " (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  int receiverWorkers;

  @Option(
      names = "--receiver-read-ahead",
      paramLabel = "MIB",
      description =
          "Socket mode: MiB of buffers the receiver keeps (on its heap, for its whole life) to"
              + " read a core ahead of its hash and compression, so that a crash whose core fits"
              + " is released sooner; 0 turns it off (default: ${DEFAULT-VALUE}).",
      defaultValue = "" + InstallOptions.DEFAULT_RECEIVER_READ_AHEAD_MIB)
  int receiverReadAhead;

  /** The composer settings these options describe. */
  public CaptureSettings captureSettings() {
    return capture.settings();
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (pipeLimit < 1) {
      throw new CliException(CliException.USAGE, "--pipe-limit must be at least 1: " + pipeLimit);
    }
    if (receiverWorkers < 1 || receiverWorkers > 64) {
      throw new CliException(
          CliException.USAGE, "--receiver-workers must be 1 to 64: " + receiverWorkers);
    }
    if (receiverReadAhead < 0 || receiverReadAhead > InstallOptions.MAX_RECEIVER_READ_AHEAD_MIB) {
      throw new CliException(
          CliException.USAGE,
          "--receiver-read-ahead must be 0 to "
              + InstallOptions.MAX_RECEIVER_READ_AHEAD_MIB
              + " (MiB): "
              + receiverReadAhead
              + "; 0 turns it off.");
    }
    NodeSetup setup = new NodeSetup(prefix.prefix, InstallOptions.PROC_SYS, out::println);
    NodeSetup.Report report;
    try {
      var options =
          new InstallOptions(
              prefix.prefix,
              InstallOptions.PROC_SYS,
              javaHome != null ? javaHome : ComposerPayload.javaHome(),
              ComposerPayload.jars(),
              capture.settings(),
              pipeLimit,
              mode,
              mode == CaptureMode.PIPE ? java.util.List.of() : ComposerPayload.receiverJars(),
              receiverWorkers,
              receiverReadAhead);
      report = setup.install(options, prefix.dryRun);
    } catch (InstallException e) {
      throw InstallErrors.toCli(e);
    }
    if (!prefix.dryRun) {
      out.println("Installed. Crashes on this host now become dumps in " + capture.dumps + ".");
      if (report.mode() == CaptureMode.SOCKET) {
        out.println(
            "Mode: socket. The receiver takes the cores; the pipe composer is the fallback:");
      } else {
        out.println("Mode: pipe.");
      }
      out.println("core_pattern: " + setup.currentPattern());
    }
    return 0;
  }

  static final class ModeConverter extends Converters.Of<CaptureMode> {
    ModeConverter() {
      super(CaptureMode::parse);
    }
  }
}
