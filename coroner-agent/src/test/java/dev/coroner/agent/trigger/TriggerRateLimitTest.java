package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.kube.KubeClients;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.kube.PodRef;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rate limits on triggered snapshots: one per workload per window, one in flight per node, and
 * every outcome counted and told on the pod. Kubernetes' API server cannot run on this machine, so
 * fabric8's mock server in CRUD mode stands in for it; the test plays the snapshot reconciler where
 * it writes a request's status.
 */
class TriggerRateLimitTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  MockApi api;
  AgentMetrics metrics;
  PodEvents events;
  SnapshotRequests requests;
  final AtomicReference<Instant> now = new AtomicReference<>(T0);

  @BeforeEach
  void start() {
    api = new MockApi();
    metrics = new AgentMetrics();
    events = new PodEvents(api.client, "node-a");
    // Two pods of Deployment web, one of Deployment api.
    api.client.resource(TestPods.running("shop", "web-1", "node-a", null, "web", T0, 0)).create();
    api.client.resource(TestPods.running("shop", "web-2", "node-a", null, "web", T0, 0)).create();
    api.client.resource(TestPods.running("shop", "api-1", "node-a", null, "api", T0, 0)).create();
    requests = requests(api.client);
  }

  SnapshotRequests requests(KubernetesClient client) {
    Clock clock =
        new Clock() {
          @Override
          public Instant instant() {
            return now.get();
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    return new SnapshotRequests(
        new SnapshotRequests.Target(client, "node-a", "coroner-agent", Duration.ofMinutes(30)),
        new PodOwners(client),
        events,
        (trigger, outcome) ->
            metrics.snapshotTriggers.labelValues(trigger.id(), outcome.label()).inc(),
        clock);
  }

  @AfterEach
  void stop() {
    requests.close();
    events.close();
    api.close();
  }

  static Firing memory(String pod) {
    return new Firing(
        new WatchedContainer(
            new PodRef("shop", pod, "uid-" + pod),
            "app",
            TestPods.containerId(pod),
            T0,
            0,
            Set.of(Trigger.MEMORY),
            Duration.ofSeconds(11)),
        Trigger.MEMORY,
        "memory 94% of 256 MiB (working set 241 MiB)");
  }

  List<CoreDumpSnapshot> snapshots() {
    return api.client.resources(CoreDumpSnapshot.class).inNamespace("shop").list().getItems();
  }

  double outcomes(String outcome) {
    return metrics.snapshotTriggers.labelValues("memory", outcome).get();
  }

  /** The reconciler's part: the request is done. */
  void finish(CoreDumpSnapshot s) {
    s.setStatus(
        new CoreDumpSnapshotStatus(
            CoreDumpSnapshotStatus.SUCCEEDED,
            null,
            "done",
            "node-a",
            42L,
            0,
            "dump",
            "uuid",
            900L,
            1L << 20,
            T0.toString(),
            T0.toString()));
    api.client.resource(s).updateStatus();
  }

  List<String> triggeredEvents() {
    return api.client.v1().events().inNamespace("shop").list().getItems().stream()
        .filter(e -> "SnapshotTriggered".equals(e.getReason()))
        .map(Event::getMessage)
        .toList();
  }

  @Test
  void aSecondFiringOfTheWorkloadWithinTheWindowIsRateLimited() {
    requests.fire(memory("web-1"));
    await().atMost(10, SECONDS).until(() -> outcomes("requested") == 1);
    finish(snapshots().get(0)); // not in flight any more: only the workload's window holds it

    // Another pod of the same Deployment, ten minutes later.
    now.set(T0.plus(Duration.ofMinutes(10)));
    requests.fire(memory("web-2"));
    await().atMost(10, SECONDS).until(() -> outcomes("rate_limited") == 1);
    assertThat(snapshots()).hasSize(1);
    assertThat(outcomes("requested")).isEqualTo(1);
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertThat(triggeredEvents())
                    .contains(
                        "Snapshot trigger memory: memory 94% of 256 MiB (working set 241 MiB);"
                            + " not requested: one of shop/Deployment/web was requested 10m ago,"
                            + " and the limit is one per 30m"));

    // Past the window, the workload may be snapshotted again.
    now.set(T0.plus(Duration.ofMinutes(31)));
    requests.fire(memory("web-2"));
    await().atMost(10, SECONDS).until(() -> outcomes("requested") == 2);
    assertThat(snapshots()).hasSize(2);
  }

  @Test
  void oneRequestInFlightPerNode() {
    requests.fire(memory("web-1"));
    await().atMost(10, SECONDS).until(() -> outcomes("requested") == 1);
    CoreDumpSnapshot first = snapshots().get(0);

    // Another workload, while the first request has no status yet.
    requests.fire(memory("api-1"));
    await().atMost(10, SECONDS).until(() -> outcomes("rate_limited") == 1);
    assertThat(snapshots()).hasSize(1);
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertThat(triggeredEvents())
                    .anyMatch(
                        m ->
                            m.endsWith(
                                "not requested: CoreDumpSnapshot shop/"
                                    + first.getMetadata().getName()
                                    + " is still in flight on this node, and the limit is one at a"
                                    + " time")));

    finish(first);
    requests.fire(memory("api-1"));
    await().atMost(10, SECONDS).until(() -> outcomes("requested") == 2);
    assertThat(snapshots())
        .extracting(s -> s.getSpec().pod())
        .containsExactlyInAnyOrder("web-1", "api-1");
  }

  @Test
  void aRequestThatCannotBeCreatedIsCountedNotThrown() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    try (KubernetesClient dead =
            KubeClients.create(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + port + "/")
                    .withNamespace("default")
                    .build());
        SnapshotRequests failing = requests(dead)) {
      failing.fire(memory("web-1"));
      await().atMost(15, SECONDS).until(() -> outcomes("failed") == 1);
      assertThat(outcomes("requested")).isZero();
      // The trigger may fire again: nothing was remembered of the failed one.
      failing.fire(memory("web-1"));
      await().atMost(15, SECONDS).until(() -> outcomes("failed") == 2);
      assertThat(outcomes("rate_limited")).isZero();
    }
  }
}
