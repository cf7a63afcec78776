package dev.coroner.cli.k8s;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import org.jspecify.annotations.Nullable;

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

  public @Nullable String context() {
    return context;
  }

  public @Nullable String namespace() {
    return namespace;
  }

  public @Nullable Path kubeconfig() {
    return kubeconfig;
  }
}
