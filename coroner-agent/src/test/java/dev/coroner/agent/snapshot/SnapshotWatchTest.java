package dev.coroner.agent.snapshot;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.snapshot.Snapshotter;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An agent whose role may not watch CoreDumpSnapshots starts anyway, says once what to grant, and
 * keeps trying. Kubernetes' API server cannot run on this machine, so fabric8's mock server in
 * expectations mode stands in for it and refuses the list as RBAC would (403).
 */
@EnableKubernetesMockClient(https = false)
class SnapshotWatchTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void aRefusedWatchIsLoggedOnceAndDoesNotStopTheAgent() {
    server
        .expect()
        .get()
        .withPath(
            "/apis/coroner.dev/v1/coredumpsnapshots?labelSelector=coroner.dev%2Fnode%3Dnode-1&resourceVersion=0")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "coredumpsnapshots.coroner.dev is forbidden: User"
                        + " \"system:serviceaccount:coroner:coroner\" cannot list resource")
                .build())
        .always();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(SnapshotReconciler.class);
    logger.addAppender(logs);
    CaptureSettings d = CaptureSettings.defaults();
    SnapshotReconciler r =
        new SnapshotReconciler(
            client,
            new SnapshotReconciler.Settings("node-1", d, 1, "test"),
            new SnapshotReconciler.Parts(
                Snapshotter.system(),
                new ContainerRuntime() {
                  @Override
                  public ContainerProcess process(String id) {
                    throw new AssertionError();
                  }

                  @Override
                  public ContainerMetadata metadata(String id) {
                    throw new AssertionError();
                  }
                },
                meta -> {
                  throw new AssertionError();
                },
                (uuid, pid) -> {},
                null,
                new AgentMetrics()),
            Clock.systemUTC());
    try {
      long start = System.nanoTime();
      r.start();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      await()
          .atMost(20, SECONDS)
          .until(
              () -> logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("HTTP 403")));
      await().during(3, SECONDS).atMost(10, SECONDS).until(() -> server.getRequestCount() >= 2);
      assertThat(logs.list)
          .filteredOn(e -> e.getFormattedMessage().startsWith("Cannot watch CoreDumpSnapshot"))
          .singleElement()
          .satisfies(
              e ->
                  assertThat(e.getFormattedMessage())
                      .contains("coredumpsnapshots: get, list, watch")
                      .contains("coredumpsnapshots/status: update, patch")
                      .contains("CORONER_SNAPSHOTS=false"));
    } finally {
      r.close();
      logger.detachAppender(logs);
    }
  }
}
