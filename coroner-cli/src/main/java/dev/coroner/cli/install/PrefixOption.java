package dev.coroner.cli.install;

import dev.coroner.node.InstallOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --prefix} and {@code --dry-run} options shared by install and uninstall. */
public final class PrefixOption {
  @Option(
      names = "--prefix",
      paramLabel = "DIR",
      description =
          "Where the composer, its Java runtime and its config live (default: ${DEFAULT-VALUE}).",
      defaultValue = "/opt/coroner")
  Path prefix = InstallOptions.DEFAULT_PREFIX;

  @Option(names = "--dry-run", description = "Show what would change, change nothing.")
  boolean dryRun;
}
