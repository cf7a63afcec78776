package dev.coroner.agent.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/**
 * Taking a request names the resource version the agent saw, so that when another agent took it
 * first (a second agent on the node during a rollout) the API server's 409 leaves it to that one.
 * Kubernetes' API server cannot run on this machine, and the mock's CRUD mode does not check
 * versions on a status subresource, so this uses fabric8's mock server in expectations mode: it
 * answers as the API server would, and records what the agent sent.
 */
@EnableKubernetesMockClient(https = false)
class StatusWriterTest {
  private static final String PATH =
      "/apis/coroner.dev/v1/namespaces/team-a/coredumpsnapshots/web/status";

  KubernetesMockServer server;
  KubernetesClient client;

  private static CoreDumpSnapshot seen() {
    CoreDumpSnapshot s = new CoreDumpSnapshot();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName("web")
            .withNamespace("team-a")
            .withUid("u-1")
            .withResourceVersion("41")
            .build());
    s.setSpec(CoreDumpSnapshotSpec.onDemand("web", null, null, null));
    return s;
  }

  @Test
  void theVersionSeenIsSentAndAConflictLeavesTheRequest() throws Exception {
    server
        .expect()
        .put()
        .withPath(PATH)
        .andReturn(
            409,
            new StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage("the object has been modified")
                .build())
        .once();
    server.expect().put().withPath(PATH).andReturn(200, seen()).once();
    server
        .expect()
        .put()
        .withPath(PATH)
        .andReturn(404, new StatusBuilder().withCode(404).build())
        .once();
    server
        .expect()
        .put()
        .withPath(PATH)
        .andReturn(403, new StatusBuilder().withCode(403).build())
        .once();
    StatusWriter writer = new StatusWriter(client);
    try {
      assertThat(writer.take(seen(), Statuses.running("node-1", "2026-01-01T00:00:00Z"))).isFalse();
      assertThat(server.getLastRequest().getUtf8Body())
          .contains("\"resourceVersion\":\"41\"")
          .contains("\"phase\":\"Running\"")
          .contains("\"node\":\"node-1\"");
      assertThat(writer.take(seen(), Statuses.running("node-1", null))).isTrue();
      assertThat(writer.take(seen(), Statuses.running("node-1", null))).as("gone").isFalse();
      assertThatThrownBy(() -> writer.take(seen(), Statuses.running("node-1", null)))
          .isInstanceOf(KubernetesClientException.class);
    } finally {
      writer.close();
    }
  }
}
