package dev.coroner.cli.k8s;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig whose context "mock" (namespace shop, user dev) points at a mock API server. */
public final class MockKubeconfig {
  private MockKubeconfig() {}

  public static Path write(Path dir, KubernetesMockServer server) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster:
            server: http://%s:%d
        contexts:
        - name: mock
          context:
            cluster: mock
            namespace: shop
            user: dev
        current-context: mock
        users:
        - name: dev
          user:
            token: not-a-real-token
        """
            .formatted(server.getHostName(), server.getPort()));
    return file;
  }
}
