package dev.coroner.cli.install;

import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.cli.errors.CliException;
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
      "Install the composer as this host's core handler (like systemd-coredump).",
      "",
      "Lays the composer and a jlinked Java runtime under --prefix, writes its settings,",
      "saves the current kernel.core_pattern, kernel.core_pipe_limit and fs.suid_dumpable,",
      "then sets them. Running it again changes only what differs. Needs root.",
      "'coroner uninstall' restores the saved values."
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
    NodeSetup setup = new NodeSetup(prefix.prefix, InstallOptions.PROC_SYS, out::println);
    try {
      var options =
          new InstallOptions(
              prefix.prefix,
              InstallOptions.PROC_SYS,
              javaHome != null ? javaHome : ComposerPayload.javaHome(),
              ComposerPayload.jars(),
              capture.settings(),
              pipeLimit);
      setup.install(options, prefix.dryRun);
    } catch (InstallException e) {
      throw InstallErrors.toCli(e);
    }
    if (!prefix.dryRun) {
      out.println("Installed. Crashes on this host now become dumps in " + capture.dumps + ".");
      out.println("core_pattern: " + setup.corePattern());
    }
    return 0;
  }
}
