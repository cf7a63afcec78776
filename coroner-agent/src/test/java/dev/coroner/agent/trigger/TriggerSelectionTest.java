package dev.coroner.agent.trigger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.config.AgentConfig;
import dev.coroner.agent.kube.PodOwners;
import dev.coroner.agent.metrics.AgentMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which pods the triggers watch: none unless enabled, the chart's triggers for every pod, the
 * annotation {@code coroner.dev/snapshot-on} for one, {@code none} to opt out. Kubernetes' API
 * server cannot run on this machine, so fabric8's mock server in CRUD mode stands in for it.
 */
class TriggerSelectionTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @TempDir Path dir;
  MockApi api;
  SnapshotTriggers triggers;

  @BeforeEach
  void start() {
    api = new MockApi();
  }

  @AfterEach
  void stop() {
    if (triggers != null) {
      triggers.close();
    }
    api.close();
  }

  static TriggerPolicy enabled(Set<Trigger> everyPod) {
    return new TriggerPolicy(
        true,
        everyPod,
        2,
        90,
        90,
        Duration.ofSeconds(60),
        Duration.ofSeconds(5),
        Duration.ofMinutes(30),
        null);
  }

  SnapshotTriggers.Cluster cluster() {
    return new SnapshotTriggers.Cluster(api.client, "node-a", new PodOwners(api.client), null);
  }

  void startTriggers(TriggerPolicy policy) {
    triggers =
        new SnapshotTriggers(
            policy,
            cluster(),
            id -> {
              return new dev.coroner.agent.cri.ContainerProcess(id, false, 0, null);
            },
            new AgentMetrics(),
            new SnapshotTriggers.Host(dir.resolve("proc"), dir.resolve("cgroup"), 2));
    triggers.start(policy);
  }

  /** The pod created, with its status (the kubelet's part); the API server gives it its UID. */
  String put(Pod pod) {
    return TestPods.put(api.client, pod).getMetadata().getUid();
  }

  @Test
  void offByDefaultNothingIsListedOrWatched() throws Exception {
    put(TestPods.running("shop", "web-1", "node-a", "liveness,memory", "web", T0, 0));
    TriggerPolicy defaults = AgentConfig.from(Map.of()).triggers();
    assertThat(defaults.enabled()).isFalse();
    assertThat(defaults.everyPod()).isEmpty();
    assertThat(defaults.triggersFor("liveness,memory"))
        .as("annotations do nothing while off")
        .isEmpty();

    assertThat(
            SnapshotTriggers.start(
                defaults,
                cluster(),
                id -> new dev.coroner.agent.cri.ContainerProcess(id, false, 0, null),
                new AgentMetrics()))
        .isNull();
    assertThat(api.gets("/api/v1/pods")).isEmpty();
    assertThat(api.gets("/api/v1/events")).isEmpty();
  }

  @Test
  void theAnnotationChoosesAPodsTriggersAndNoneOptsItOut() {
    startTriggers(enabled(EnumSet.allOf(Trigger.class)));
    String plain = put(TestPods.running("shop", "plain", "node-a", null, "plain", T0, 0));
    String memory = put(TestPods.running("shop", "memory", "node-a", "memory", "memory", T0, 0));
    String optedOut = put(TestPods.running("shop", "opted-out", "node-a", "none", "o", T0, 0));
    String mixed = put(TestPods.running("shop", "mixed", "node-a", "memory, NONE", "x", T0, 0));
    String typo = put(TestPods.running("shop", "typo", "node-a", "memroy", "typo", T0, 0));
    String elsewhere = put(TestPods.running("shop", "elsewhere", "node-b", null, "e", T0, 0));

    await()
        .atMost(10, SECONDS)
        .until(
            () ->
                triggers.watching(plain, "app") != null
                    && triggers.watching(memory, "app") != null);
    assertThat(triggers.watching(plain, "app").triggers())
        .containsExactlyInAnyOrder(Trigger.LIVENESS, Trigger.MEMORY, Trigger.CPU);
    assertThat(triggers.watching(memory, "app").triggers()).containsExactly(Trigger.MEMORY);
    assertThat(triggers.watching(optedOut, "app")).isNull();
    assertThat(triggers.watching(mixed, "app")).isNull();
    assertThat(triggers.watching(typo, "app")).as("a word that names nothing").isNull();
    assertThat(triggers.watching(elsewhere, "app")).as("another node's").isNull();
    // The plain pod has liveness on: Events are watched.
    await().atMost(10, SECONDS).until(() -> triggers.watchingEvents());
  }

  @Test
  void eventsAreWatchedOnlyWhileSomePodHasTheLivenessTrigger() {
    startTriggers(enabled(Set.of(Trigger.MEMORY)));
    String web1 = put(TestPods.running("shop", "web-1", "node-a", null, "web", T0, 0));
    await().atMost(10, SECONDS).until(() -> triggers.watching(web1, "app") != null);
    assertThat(triggers.watchingEvents()).isFalse();
    assertThat(api.gets("/api/v1/events")).isEmpty();

    put(TestPods.running("shop", "web-2", "node-a", "liveness", "web", T0, 0));
    await().atMost(10, SECONDS).until(() -> triggers.watchingEvents());
    api.client.pods().inNamespace("shop").withName("web-2").delete();
    await().atMost(10, SECONDS).until(() -> !triggers.watchingEvents());
  }

  @Test
  void annotationWords() {
    TriggerPolicy p = enabled(Set.of(Trigger.LIVENESS));
    assertThat(p.triggersFor(null)).containsExactly(Trigger.LIVENESS);
    assertThat(p.triggersFor("cpu, Memory")).containsExactlyInAnyOrder(Trigger.CPU, Trigger.MEMORY);
    assertThat(p.triggersFor("none")).isEmpty();
    assertThat(p.triggersFor("")).isEmpty();
    // trim() takes a leading escape away; one inside the word stays (and is logged escaped).
    assertThat(TriggerPolicy.unknownWords("memory,memroy,none,x\u001b[31m"))
        .containsExactly("memroy", "x\u001b[31m");
  }
}
