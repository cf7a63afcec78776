package dev.coroner.cli.install;

import dev.coroner.cli.errors.CliException;
import dev.coroner.node.InstallException;

/** Node setup failures as CLI failures, naming the option that sets what is to blame. */
public final class InstallErrors {
  private InstallErrors() {}

  /** The CLI failure (exit 1) for a node setup failure. */
  public static CliException toCli(InstallException e) {
    String option =
        e.setting()
            .map(
                s ->
                    switch (s) {
                      case PREFIX -> " (--prefix)";
                      case JAVA_HOME -> " (--java-home)";
                    })
            .orElse("");
    return new CliException(CliException.FAILURE, e.getMessage() + option, e);
  }
}
