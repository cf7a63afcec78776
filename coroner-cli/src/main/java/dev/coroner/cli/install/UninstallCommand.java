package dev.coroner.cli.install;

import dev.coroner.node.InstallException;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.NodeSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code coroner uninstall}: restore the kernel settings saved by install. */
@Command(
    name = "uninstall",
    mixinStandardHelpOptions = true,
    description = {
      "Restore the kernel settings saved by 'coroner install' and remove coroner.",
      "",
      "Stops the receiver first (socket mode: it puts the pipe pattern back, then finishes",
      "the captures in flight), restores the saved kernel settings, waits for pipe captures",
      "still running, then removes the files. Dumps and logs are kept. If core_pattern was",
      "changed by someone else since install, it is left alone. Running it again is",
      "harmless. Needs root."
    })
public final class UninstallCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PrefixOption prefix;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    try {
      new NodeSetup(prefix.prefix, InstallOptions.PROC_SYS, out::println).uninstall(prefix.dryRun);
    } catch (InstallException e) {
      throw InstallErrors.toCli(e);
    }
    return 0;
  }
}
