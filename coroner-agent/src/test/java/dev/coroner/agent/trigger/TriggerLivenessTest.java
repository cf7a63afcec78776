package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoronerApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The liveness trigger against the API: pods and the kubelet's Unhealthy Events in, one
 * CoreDumpSnapshot request out. Kubernetes' API server cannot run on this machine, so fabric8's
 * mock server in CRUD mode stands in for it (see {@link MockApi} for the field selectors it cannot
 * apply), and the test plays the kubelet: it writes the pods' status and the Events.
 */
class TriggerLivenessTest {
  static final String NODE = "node-a";
  static final String ACCOUNT = "system:serviceaccount:coroner:coroner-agent";
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;
  MockApi api;
  AgentMetrics metrics;
  PodEvents events;
  SnapshotTriggers triggers;

  @BeforeEach
  void start() {
    api = new MockApi();
    metrics = new AgentMetrics();
    events = new PodEvents(api.client, NODE);
  }

  @AfterEach
  void stop() {
    if (triggers != null) {
      triggers.close();
    }
    events.close();
    api.close();
  }

  /** Triggers on {@link #NODE} for pods annotated (none for every pod), liveness after 2. */
  void startTriggers(Set<Trigger> everyPod) {
    TriggerPolicy policy =
        new TriggerPolicy(
            true,
            everyPod,
            2,
            90,
            90,
            Duration.ofSeconds(60),
            Duration.ofSeconds(5),
            Duration.ofMinutes(30),
            ACCOUNT);
    triggers =
        new SnapshotTriggers(
            policy,
            new SnapshotTriggers.Cluster(api.client, NODE, new PodOwners(api.client), events),
            id -> new dev.coroner.agent.cri.ContainerProcess(id, false, 0, null),
            metrics,
            new SnapshotTriggers.Host(dir.resolve("proc"), dir.resolve("cgroup"), 2));
    triggers.start(policy);
  }

  Pod put(Pod pod) {
    return TestPods.put(api.client, pod);
  }

  void put(Event e) {
    api.client.resource(e).createOr(existing -> existing.update());
  }

  List<CoreDumpSnapshot> snapshots() {
    return api.client.resources(CoreDumpSnapshot.class).inAnyNamespace().list().getItems();
  }

  double outcomes(String trigger, String outcome) {
    return metrics.snapshotTriggers.labelValues(trigger, outcome).get();
  }

  void awaitWatched(Pod pod) {
    await()
        .atMost(10, SECONDS)
        .until(() -> triggers.watching(pod.getMetadata().getUid(), "app") != null);
  }

  @Test
  void theSecondFailedProbeRequestsOneSnapshotOfTheContainer() {
    startTriggers(Set.of());
    Pod web = put(TestPods.running("shop", "web-1", NODE, "liveness", "web", T0, 0));
    // Another node's pod, annotated too, failing too: its agent's business.
    Pod other = put(TestPods.running("shop", "web-2", "node-b", "liveness", "web", T0, 0));
    awaitWatched(web);

    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 1, T0.plusSeconds(10), T0.plusSeconds(10)));
    put(
        TestPods.unhealthy(
            other, "web-2.1", "Liveness", 1, T0.plusSeconds(10), T0.plusSeconds(10)));
    put(
        TestPods.unhealthy(
            other, "web-2.1", "Liveness", 2, T0.plusSeconds(10), T0.plusSeconds(20)));
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 2, T0.plusSeconds(10), T0.plusSeconds(20)));

    await().atMost(10, SECONDS).until(() -> outcomes("liveness", "requested") == 1);
    List<CoreDumpSnapshot> requested = snapshots();
    assertThat(requested).hasSize(1);
    CoreDumpSnapshot s = requested.get(0);
    assertThat(s.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(s.getMetadata().getName()).startsWith("web-1-liveness-");
    assertThat(s.getMetadata().getLabels())
        .containsEntry(CoronerApi.LABEL_NODE, NODE)
        .containsEntry(CoronerApi.LABEL_POD, "web-1");
    assertThat(s.getSpec().pod()).isEqualTo("web-1");
    assertThat(s.getSpec().container()).isEqualTo("app");
    assertThat(s.getSpec().trigger()).isEqualTo("liveness");
    assertThat(s.getSpec().requester()).isEqualTo(ACCOUNT);
    assertThat(s.getSpec().method()).as("the reconciler's default").isNull();
    // Fired on the second failure, not the first: the reason counts them.
    assertThat(s.getSpec().reason())
        .isEqualTo(
            "liveness probe failed 2 times in a row (Liveness probe failed: HTTP probe failed with"
                + " statuscode: 500)");
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertThat(
                        api.client.v1().events().inNamespace("shop").list().getItems().stream()
                            .filter(e -> "SnapshotTriggered".equals(e.getReason()))
                            .map(Event::getMessage)
                            .toList())
                    .containsExactly(
                        "Snapshot trigger liveness: "
                            + s.getSpec().reason()
                            + "; requested CoreDumpSnapshot shop/"
                            + s.getMetadata().getName()));

    // The third failure of the same run asks for nothing more.
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 3, T0.plusSeconds(10), T0.plusSeconds(30)));
    await().during(2, SECONDS).atMost(4, SECONDS).until(() -> snapshots().size() == 1);
    assertThat(outcomes("liveness", "rate_limited")).isZero();

    // Only this node's pods, and only Unhealthy pod Events, are asked for.
    assertThat(api.gets("/api/v1/pods"))
        .isNotEmpty()
        .allMatch(p -> p.contains("fieldSelector=spec.nodeName=" + NODE));
    assertThat(api.gets("/api/v1/events"))
        .isNotEmpty()
        .allMatch(p -> p.contains("fieldSelector=involvedObject.kind=Pod,reason=Unhealthy"));
  }

  @Test
  void readinessFailuresDoNotCount() {
    startTriggers(Set.of());
    Pod web = put(TestPods.running("shop", "web-1", NODE, "liveness", "web", T0, 0));
    awaitWatched(web);
    for (int n = 1; n <= 5; n++) {
      put(
          TestPods.unhealthy(
              web, "web-1.r", "Readiness", n, T0.plusSeconds(5), T0.plusSeconds(5 * n)));
    }
    await().during(2, SECONDS).atMost(4, SECONDS).until(() -> snapshots().isEmpty());

    // Then liveness fails twice: had the readiness failures counted, it would say 6 times.
    put(TestPods.unhealthy(web, "web-1.l", "Liveness", 1, T0.plusSeconds(30), T0.plusSeconds(30)));
    put(TestPods.unhealthy(web, "web-1.l", "Liveness", 2, T0.plusSeconds(30), T0.plusSeconds(40)));
    await().atMost(10, SECONDS).until(() -> snapshots().size() == 1);
    assertThat(snapshots().get(0).getSpec().reason()).startsWith("liveness probe failed 2 times");
  }

  @Test
  void aRestartStartsTheCountAgain() {
    startTriggers(Set.of());
    Pod web = put(TestPods.running("shop", "web-1", NODE, "liveness", "web", T0, 0));
    awaitWatched(web);
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 1, T0.plusSeconds(10), T0.plusSeconds(10)));

    // The kubelet restarts the container 5 s later (another reason, or another failure): the
    // same Event's count goes on, 10 s after the last failure, within two probe periods.
    Instant restarted = T0.plusSeconds(15);
    put(TestPods.running("shop", "web-1", NODE, "liveness", "web", restarted, 1));
    await()
        .atMost(10, SECONDS)
        .until(
            () -> {
              WatchedContainer c = triggers.watching(web.getMetadata().getUid(), "app");
              return c != null && restarted.equals(c.startedAt());
            });
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 2, T0.plusSeconds(10), T0.plusSeconds(20)));
    await().during(2, SECONDS).atMost(4, SECONDS).until(() -> snapshots().isEmpty());

    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 3, T0.plusSeconds(10), T0.plusSeconds(30)));
    await().atMost(10, SECONDS).until(() -> snapshots().size() == 1);
    assertThat(snapshots().get(0).getSpec().reason()).startsWith("liveness probe failed 2 times");
  }

  @Test
  void aSuccessBetweenTwoFailuresStartsTheCountAgain() {
    startTriggers(Set.of(Trigger.LIVENESS));
    // No annotation: every pod's triggers apply.
    Pod web = put(TestPods.running("shop", "web-1", NODE, null, "web", T0, 0));
    awaitWatched(web);
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 1, T0.plusSeconds(10), T0.plusSeconds(10)));
    // A minute later: the probes in between (every 10 s) succeeded.
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 2, T0.plusSeconds(10), T0.plusSeconds(70)));
    await().during(2, SECONDS).atMost(4, SECONDS).until(() -> snapshots().isEmpty());
    put(TestPods.unhealthy(web, "web-1.1", "Liveness", 3, T0.plusSeconds(10), T0.plusSeconds(80)));
    await().atMost(10, SECONDS).until(() -> snapshots().size() == 1);
  }
}
