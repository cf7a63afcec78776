package dev.coroner.cli.k8s;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Which cluster and namespace: the user's own kubeconfig and context, as kubectl uses them. */
public final class KubeOptions {
  @Option(
      names = "--context",
      paramLabel = "CONTEXT",
      description = "The kube context to use (default: the kubeconfig's current context).")
  @Nullable String context;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "The namespace (debug: default the dump's own namespace, else the context's;"
              + " gc: the context's).")
  @Nullable String namespace;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  @Nullable Path kubeconfig;

  /** The options as given, for code outside picocli. */
  public static KubeOptions of(
      @Nullable String context, @Nullable String namespace, @Nullable Path kubeconfig) {
    KubeOptions o = new KubeOptions();
    o.context = context;
    o.namespace = namespace;
    o.kubeconfig = kubeconfig;
    return o;
  }

  /** {@code --context}, or null for the kubeconfig's current one. */
  public @Nullable String context() {
    return context;
  }

  /** {@code -n}, or null for the context's namespace. */
  public @Nullable String namespace() {
    return namespace;
  }

  /** {@code --kubeconfig}, or null for the usual lookup. */
  public @Nullable Path kubeconfig() {
    return kubeconfig;
  }
}
