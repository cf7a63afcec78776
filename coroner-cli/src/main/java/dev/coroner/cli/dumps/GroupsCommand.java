package dev.coroner.cli.dumps;

import picocli.CommandLine.Command;

/** {@code coroner groups}: {@code coroner list --group}, the dumps by crash signature. */
@Command(
    name = "groups",
    mixinStandardHelpOptions = true,
    description = {
      "Show crashes grouped by signature: one row per bug, the largest group first, with how many",
      "dumps it has, when it was first and last seen, where it crashed (the top frame of the",
      "application's own code) and the workloads, nodes and namespaces it hit. Takes every",
      "option of 'coroner list'; --coarse groups by the top three frames instead of five.",
      "Dumps with no signature (not analyzed, or no frame named) are one group, last.",
      "-o json is documented in docs/cli.md."
    })
public final class GroupsCommand extends ListCommand {
  @Override
  public Integer call() {
    group = true;
    return super.call();
  }
}
