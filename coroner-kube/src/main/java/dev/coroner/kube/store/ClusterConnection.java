package dev.coroner.kube.store;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.nio.file.Files;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A client on the user's own kubeconfig and context: the cluster's RBAC decides what this user may
 * do. Short deadlines and few retries, so that a silent API server costs seconds.
 *
 * @param client the client
 * @param context the context's name (null in a pod's service account)
 * @param namespace the namespace the options or the context name, else {@code default}
 * @param user the kubeconfig's user entry, the fallback for who is asking (null when it names none)
 */
record ClusterConnection(
    KubernetesClient client, @Nullable String context, String namespace, @Nullable String user)
    implements AutoCloseable {

  static ClusterConnection open(ClusterOptions options) throws StoreException {
    Config config = config(options);
    config.setRequestRetryBackoffLimit(3);
    config.setRequestRetryBackoffInterval(250);
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(10_000);
    NamedContext current = config.getCurrentContext();
    String namespace =
        options.namespace() != null
            ? options.namespace()
            : config.getNamespace() != null ? config.getNamespace() : "default";
    String user =
        current != null && current.getContext() != null ? current.getContext().getUser() : null;
    return new ClusterConnection(
        new KubernetesClientBuilder().withConfig(config).build(),
        current == null ? null : current.getName(),
        namespace,
        user);
  }

  private static Config config(ClusterOptions options) throws StoreException {
    Config config;
    try {
      if (options.kubeconfig() != null) {
        File file = options.kubeconfig().toFile();
        if (!Files.isReadable(file.toPath())) {
          throw new StoreException(StoreFailure.CONFIG, "cannot read the kubeconfig " + file);
        }
        config = Config.fromKubeconfig(options.context(), file);
      } else {
        if (Config.getKubeconfigFilenames().stream().noneMatch(f -> new File(f).isFile())
            && !Files.exists(new File(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH).toPath())) {
          throw new StoreException(
              StoreFailure.CONFIG,
              "no kubeconfig: set KUBECONFIG or create ~/.kube/config (your cloud's CLI writes it)");
        }
        config = Config.autoConfigure(options.context());
      }
    } catch (KubernetesClientException e) {
      throw new StoreException(
          StoreFailure.CONFIG, "cannot read the kubeconfig: " + e.getMessage(), e);
    }
    // fabric8 quietly falls back to the current context for a name it does not know: reading
    // another cluster's dumps is worse than stopping here.
    if (options.context() != null) {
      List<String> known =
          config.getContexts() == null
              ? List.of()
              : config.getContexts().stream().map(NamedContext::getName).toList();
      if (!known.contains(options.context())) {
        throw new StoreException(
            StoreFailure.CONFIG,
            "no context '"
                + options.context()
                + "' in the kubeconfig; it has: "
                + (known.isEmpty() ? "none" : String.join(", ", known)));
      }
    }
    return config;
  }

  /** Where the client goes, for messages: {@code context 'prod' (https://...)}. */
  String describe() {
    String url = client.getConfiguration().getMasterUrl();
    return context == null ? url : "context '" + context + "' (" + url + ")";
  }

  @Override
  public void close() {
    client.close();
  }
}
