package dev.coroner.agent.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** API servers that do not answer: a closed port, and one that accepts but never replies. */
final class DeadApis {
  private DeadApis() {}

  /** A client for a loopback port nothing listens on: every request is refused at once. */
  static KubernetesClient closedPort() {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return KubeClients.create(config("http://127.0.0.1:" + port + "/"));
  }

  static Config config(String url) {
    return new ConfigBuilder()
        .withMasterUrl(url)
        .withNamespace("default")
        .withOauthToken("tok-s3cret-do-not-log")
        .build();
  }

  /** Accepts connections (the kernel's backlog does) and never answers a request. */
  static final class Silent implements AutoCloseable {
    private final ServerSocket socket;

    Silent() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** A client that gives up on a request after {@code timeoutMillis}, without retries. */
    KubernetesClient client(int timeoutMillis) {
      Config config = config("http://127.0.0.1:" + socket.getLocalPort() + "/");
      config.setRequestTimeout(timeoutMillis);
      config.setRequestRetryBackoffLimit(0);
      return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
