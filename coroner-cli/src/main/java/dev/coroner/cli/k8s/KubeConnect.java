package dev.coroner.cli.k8s;

import dev.coroner.base.retry.RetryPolicy;
import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes client on the user's own kubeconfig and context, as kubectl would use them: the
 * cluster's RBAC decides what this user may do. Requests are retried 3 times with backoff ({@link
 * #REQUESTS}), the watch reconnects 3 times, never forever.
 *
 * @param client the client; close the connection to close it
 * @param context the context's name, for messages (null in a pod's service account)
 * @param namespace the context's namespace, or {@code default}
 */
public record KubeConnect(KubernetesClient client, @Nullable String context, String namespace)
    implements AutoCloseable {
  /**
   * How API requests are retried: fabric8 retries inside its HTTP layer (watches included), so it
   * is given this policy's attempts and first delay; it doubles the delay itself, without jitter.
   */
  static final RetryPolicy REQUESTS =
      RetryPolicy.exponential(Duration.ofMillis(250), Duration.ofSeconds(2)).withAttempts(4);

  /** Watch reconnections fabric8 makes before it gives the failure to the session. */
  static final int WATCH_RECONNECTS = 3;

  /** Opens a client; a missing kubeconfig or unknown context is the user's to fix. */
  public static KubeConnect open(KubeOptions options) {
    Config config = config(options);
    // Defaults are 10 retries and an endless watch reconnect: a CLI says what is wrong instead.
    config.setRequestRetryBackoffLimit(REQUESTS.maxAttempts() - 1);
    config.setRequestRetryBackoffInterval((int) REQUESTS.base().toMillis());
    config.setWatchReconnectLimit(WATCH_RECONNECTS);
    // A silent API server must cost seconds, not the better part of a minute (a 30 s request
    // deadline and retries made 'coroner gc' hang for 43 s).
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(10_000);
    NamedContext current = config.getCurrentContext();
    String namespace = config.getNamespace() == null ? "default" : config.getNamespace();
    return new KubeConnect(
        new KubernetesClientBuilder().withConfig(config).build(),
        current == null ? null : current.getName(),
        namespace);
  }

  private static Config config(KubeOptions options) {
    Config config;
    if (options.kubeconfig() != null) {
      File file = options.kubeconfig().toFile();
      if (!Files.isReadable(file.toPath())) {
        throw new CliException(
            CliException.USAGE, "cannot read the kubeconfig " + file + " (--kubeconfig)");
      }
      config = Config.fromKubeconfig(options.context(), file);
    } else {
      if (!anyKubeconfig()
          && !Files.exists(new File(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH).toPath())) {
        throw new CliException(
            CliException.UNREACHABLE,
            "no kubeconfig: set KUBECONFIG or create ~/.kube/config (your cloud's CLI writes it),"
                + " or pass --kubeconfig FILE");
      }
      config = Config.autoConfigure(options.context());
    }
    // fabric8 quietly falls back to the current context for a name it does not know; creating a
    // debug pod in the wrong cluster is worse than stopping here.
    if (options.context() != null) {
      List<String> known =
          config.getContexts() == null
              ? List.of()
              : config.getContexts().stream().map(NamedContext::getName).toList();
      if (!known.contains(options.context())) {
        throw new CliException(
            CliException.USAGE,
            "no context '"
                + options.context()
                + "' in the kubeconfig; it has: "
                + (known.isEmpty() ? "none" : String.join(", ", known)));
      }
    }
    return config;
  }

  private static boolean anyKubeconfig() {
    return Config.getKubeconfigFilenames().stream().anyMatch(f -> new File(f).isFile());
  }

  /** Where the client goes, for messages: {@code context 'prod' (https://...)}. */
  public String describe() {
    String url = client.getConfiguration().getMasterUrl();
    return context == null ? url : "context '" + context + "' (" + url + ")";
  }

  @Override
  public void close() {
    client.close();
  }
}
