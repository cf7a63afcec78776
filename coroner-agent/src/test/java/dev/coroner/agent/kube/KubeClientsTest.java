package dev.coroner.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the agent has a Kubernetes API, and how its client is set up. Kubernetes' API server cannot
 * run on this machine, so this uses fabric8's mock server in CRUD mode for that one boundary.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubeClientsTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path home;

  @Test
  void noServiceHostAndNoKubeconfigMeansNoCluster() {
    assertThat(KubeClients.connect(Map.of("HOME", home.toString()))).isEmpty();
    assertThat(
            KubeClients.connect(
                Map.of("HOME", home.toString(), "KUBECONFIG", home.resolve("nope").toString())))
        .isEmpty();
    assertThat(KubeClients.connect(Map.of("KUBERNETES_SERVICE_HOST", " "))).isEmpty();
  }

  @Test
  void kubeconfigConnectsWithShortTimeoutsAndNoRetries() throws Exception {
    Path kubeconfig = home.resolve(".kube/config");
    Files.createDirectories(kubeconfig.getParent());
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: mock
            cluster:
              server: %s
        users:
          - name: agent
            user:
              token: tok-test
        contexts:
          - name: mock
            context:
              cluster: mock
              user: agent
              namespace: shop
        current-context: mock
        """
            .formatted(server.url("/")));

    Optional<KubernetesClient> connected = KubeClients.connect(Map.of("HOME", home.toString()));
    assertThat(connected).isPresent();
    try (KubernetesClient kube = connected.get()) {
      assertThat(kube.getConfiguration().getRequestTimeout()).isEqualTo(5000);
      assertThat(kube.getConfiguration().getConnectionTimeout()).isEqualTo(2000);
      assertThat(kube.getConfiguration().getRequestRetryBackoffLimit()).isZero();
      assertThat(kube.pods().inNamespace("shop").list().getItems()).isEmpty();
    }
  }
}
