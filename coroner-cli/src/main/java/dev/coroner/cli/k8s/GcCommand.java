package dev.coroner.cli.k8s;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code coroner gc}: deletes debug pods that a killed or disconnected coroner left behind. */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Delete coroner's debug pods that are finished, past their deadline, or older than"
          + " --older-than. Only pods labelled app.kubernetes.io/managed-by=coroner and"
          + " app.kubernetes.io/component=debug are looked at.",
      "",
      "Examples:",
      "  coroner gc --dry-run",
      "  coroner gc -A",
      "  coroner gc -n shop --older-than 1h"
    })
public final class GcCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KubeOptions kube;

  @Option(
      names = "--k8s",
      description =
          "Debug pods in the cluster (the only thing gc collects; accepted for symmetry).")
  boolean k8s;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Every namespace (needs pods list/delete across the cluster).")
  boolean allNamespaces;

  @Option(
      names = "--older-than",
      paramLabel = "AGE",
      converter = DurationConverter.class,
      description =
          "Also delete running debug pods older than AGE (default: only those past their own"
              + " deadline).")
  @Nullable Duration olderThan;

  @Option(names = "--dry-run", description = "Show what would be deleted, delete nothing.")
  boolean dryRun;

  /** Now, for ages; tests move it. */
  Clock clock = Clock.systemUTC();

  @Override
  public Integer call() {
    if (allNamespaces && kube.namespace() != null) {
      throw new dev.coroner.cli.errors.CliException(
          dev.coroner.cli.errors.CliException.USAGE, "pass -n NS or -A, not both");
    }
    return DebugPodGc.run(
        kube,
        new DebugPodGc.Options(allNamespaces, olderThan, dryRun, clock.instant()),
        spec.commandLine().getOut());
  }
}
