package dev.coroner.cli.k8s;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster and namespace: the user's own kubeconfig and context, as kubectl uses them. */
public final class KubeOptions {
  @Option(
      names = "--context",
      paramLabel = "CONTEXT",
      description = "The kube context to use (default: the kubeconfig's current context).")
  String context;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "The namespace (debug: default the dump's own namespace, else the context's;"
              + " gc: the context's).")
  String namespace;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  Path kubeconfig;

  /** The options as given, for code outside picocli. */
  public static KubeOptions of(String context, String namespace, Path kubeconfig) {
    KubeOptions o = new KubeOptions();
    o.context = context;
    o.namespace = namespace;
    o.kubeconfig = kubeconfig;
    return o;
  }

  public String context() {
    return context;
  }

  public String namespace() {
    return namespace;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }
}
