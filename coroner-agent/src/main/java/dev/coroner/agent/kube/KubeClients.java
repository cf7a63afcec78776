package dev.coroner.agent.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connects the agent to the Kubernetes API when it has one, with short timeouts and no retries. */
public final class KubeClients {
  private static final Logger LOG = LoggerFactory.getLogger(KubeClients.class);

  /** Time to open a connection to the API server. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Time for one request; a capture never waits for it, but the posting queue does. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private KubeClients() {}

  /**
   * A client when the agent runs in a cluster ({@code KUBERNETES_SERVICE_HOST}, with the pod's
   * service account) or a kubeconfig exists ({@code KUBECONFIG}, else {@code $HOME/.kube/config});
   * empty otherwise, and then the agent posts no events and flood control keys by pod. The caller
   * closes the client.
   */
  public static Optional<KubernetesClient> connect(Map<String, String> env) {
    String serviceHost = env.get("KUBERNETES_SERVICE_HOST");
    boolean inCluster = serviceHost != null && !serviceHost.isBlank();
    Optional<File> kubeconfig = inCluster ? Optional.empty() : kubeconfig(env);
    if (!inCluster && kubeconfig.isEmpty()) {
      return Optional.empty();
    }
    try {
      Config config =
          inCluster ? Config.autoConfigure(null) : Config.fromKubeconfig(null, kubeconfig.get());
      return Optional.of(create(config));
    } catch (RuntimeException e) {
      // Events and owners are extras: a capture goes on without them.
      LOG.warn(
          "Kubernetes API not configured, so no events and flood control by pod: {}",
          ApiFailures.describe(e));
      return Optional.empty();
    }
  }

  /** A client for {@code config} with the agent's timeouts and no retries. */
  public static KubernetesClient create(Config config) {
    // Set on the Config itself rather than copied through a ConfigBuilder: a copy loses the
    // auto-configured flag that lets fabric8 re-read a rotated service account token.
    config.setConnectionTimeout((int) CONNECT_TIMEOUT.toMillis());
    config.setRequestTimeout((int) REQUEST_TIMEOUT.toMillis());
    // fabric8 retries failed requests 10 times with backoff by default; an event or owner that
    // cannot be had now is not worth holding the queue for.
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static Optional<File> kubeconfig(Map<String, String> env) {
    String paths = env.get("KUBECONFIG");
    if (paths != null && !paths.isBlank()) {
      return Arrays.stream(paths.split(File.pathSeparator))
          .filter(p -> !p.isBlank())
          .map(Path::of)
          .filter(Files::isRegularFile)
          .map(Path::toFile)
          .findFirst();
    }
    String home = env.get("HOME");
    if (home == null || home.isBlank()) {
      return Optional.empty();
    }
    Path file = Path.of(home, ".kube", "config");
    return Files.isRegularFile(file) ? Optional.of(file.toFile()) : Optional.empty();
  }
}
