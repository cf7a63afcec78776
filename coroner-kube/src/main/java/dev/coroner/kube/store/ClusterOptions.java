package dev.coroner.kube.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Which cluster and namespaces a {@link ClusterStore} works on, as kubectl would choose them.
 *
 * @param context the kube context, or null for the kubeconfig's current one
 * @param kubeconfig the kubeconfig file, or null for $KUBECONFIG, else ~/.kube/config
 * @param namespace the namespace, or null for the context's (else {@code default})
 * @param allNamespaces list every namespace (kubectl's {@code -A})
 * @param answerWait how long a download waits for the controller's answer
 * @param progress told what is being waited for (a terminal prints it; others ignore it)
 */
public record ClusterOptions(
    @Nullable String context,
    @Nullable Path kubeconfig,
    @Nullable String namespace,
    boolean allNamespaces,
    Duration answerWait,
    Consumer<String> progress) {
  /** How long a download waits for the controller by default. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

  /** The current context and its namespace, quietly. */
  public static ClusterOptions defaults() {
    return new ClusterOptions(null, null, null, false, DEFAULT_WAIT, m -> {});
  }
}
