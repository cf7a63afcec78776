package dev.coroner.cli.dumps;

import dev.coroner.cli.errors.CliException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code -n NS} and {@code -A}, as kubectl takes them. With the cluster store ({@code --store k8s})
 * they choose where CoreDumps are read (default: the context's namespace); with a bucket or a
 * directory, {@code -n} keeps the dumps of that namespace's pods (default: every dump).
 */
public final class NamespaceOptions {
  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "Only this Kubernetes namespace's dumps (as kubectl's -n). With --store k8s: default the"
              + " context's namespace.")
  @Nullable String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description =
          "Dumps of every namespace (and, outside the cluster store, of host processes: the"
              + " default there).")
  boolean allNamespaces;

  /** The namespace asked for, or null. */
  public @Nullable String namespace() {
    return namespace;
  }

  /** Whether -A was given. */
  public boolean allNamespaces() {
    return allNamespaces;
  }

  /** The scope the store is opened with; -A and -n together are a usage error. */
  public StoreOptions.Scope scope() {
    if (allNamespaces && namespace != null) {
      throw new CliException(CliException.USAGE, "-A and -n exclude each other; choose one");
    }
    return new StoreOptions.Scope(namespace, allNamespaces, null, null);
  }
}
