package dev.coroner.agent.snapshot;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coroner.agent.TestDumps;
import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.metrics.AgentMetrics;
import dev.coroner.capture.settings.CaptureSettings;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.kube.api.CoronerApi;
import dev.coroner.snapshot.Snapshotter;
import dev.coroner.store.archive.DumpArchive;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of CoreDumpSnapshot requests up to the snapshot itself: which requests it takes,
 * how it checks them and resolves their pod and container, and the status, exit code, Event and
 * metric each failure gets. Kubernetes' API server cannot run on this machine, so fabric8's mock
 * server in CRUD mode stands in for it, for that one boundary, with the chart's CRD created in it
 * (so that the status is a subresource). None of these requests reaches the container runtime: the
 * one given here fails the test if it is asked (AgentSnapshotIT asks a real containerd).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class SnapshotReconcilerTest {
  private static final String NODE = "node-1";
  private static final String NS = "team-a";
  private static final String ID = "ab".repeat(32);

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path dumps;

  private final AgentMetrics metrics = new AgentMetrics();
  private PodEvents events;
  private SnapshotReconciler reconciler;

  @BeforeEach
  void start() throws Exception {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(
                Files.readString(
                    Path.of("../charts/coroner/crds/coredumpsnapshots.coroner.dev.yaml")),
                CustomResourceDefinition.class);
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    events = new PodEvents(client, NODE);
  }

  @AfterEach
  void stop() {
    if (reconciler != null) {
      reconciler.close();
    }
    events.close();
  }

  private void startReconciler() {
    CaptureSettings d = CaptureSettings.defaults();
    reconciler =
        new SnapshotReconciler(
            client,
            new SnapshotReconciler.Settings(NODE, withDumpDir(d), 1, "test"),
            new SnapshotReconciler.Parts(
                Snapshotter.system(),
                new UnaskedRuntime(),
                meta -> {
                  throw new AssertionError("no identity is needed");
                },
                (uuid, pid) -> {},
                events,
                metrics),
            Clock.systemUTC());
    reconciler.start();
  }

  private CaptureSettings withDumpDir(CaptureSettings d) {
    return new CaptureSettings(
        dumps,
        d.nameTemplate(),
        d.compression(),
        d.level(),
        d.workers(),
        d.maxCoreSize(),
        d.keepFree(),
        d.maxUse(),
        d.timeout(),
        d.excludeExe(),
        d.environ(),
        null,
        d.agentTimeout());
  }

  @Test
  void aRequestWithoutAPodIsInvalid() {
    startReconciler();
    request("no-pod", NODE, new CoreDumpSnapshotSpec(null, null, null, null, null, null));

    CoreDumpSnapshotStatus s = awaitDone("no-pod");
    assertThat(s.phase()).isEqualTo(CoreDumpSnapshotStatus.FAILED);
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.INVALID);
    assertThat(s.exitCode()).isEqualTo(2);
    assertThat(s.message()).contains("spec.pod");
    assertThat(s.node()).isEqualTo(NODE);
    assertThat(s.startedAt()).isNotNull();
    assertThat(CoronerApi.instant(s.completedAt()))
        .isAfterOrEqualTo(CoronerApi.instant(s.startedAt()));
    assertThat(failures("Invalid")).isEqualTo(1);
  }

  @Test
  void anUnknownMethodOrTriggerOrABadNameIsInvalid() {
    startReconciler();
    // A real API server's schema refuses these already; the agent does not count on it.
    request("method", NODE, new CoreDumpSnapshotSpec("web", null, "gcore", null, null, null));
    request("trigger", NODE, new CoreDumpSnapshotSpec("web", null, null, "cron", null, null));
    request(
        "name", NODE, new CoreDumpSnapshotSpec("../web\u001b[2J", null, null, null, null, null));

    assertThat(awaitDone("method").message()).contains("spec.method 'gcore' must be fork or stop");
    assertThat(awaitDone("trigger").message()).contains("spec.trigger 'cron'");
    CoreDumpSnapshotStatus name = awaitDone("name");
    assertThat(name.reason()).isEqualTo(CoreDumpSnapshotStatus.INVALID);
    assertThat(name.message()).contains("is not a pod name").doesNotContain("\u001b");
    assertThat(failures("Invalid")).isEqualTo(3);
  }

  @Test
  void aPodThatIsNotThereIsNoSuchPod() {
    startReconciler();
    request("ghost", NODE, CoreDumpSnapshotSpec.onDemand("ghost", null, null, "alice"));

    CoreDumpSnapshotStatus s = awaitDone("ghost");
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.NO_SUCH_POD);
    assertThat(s.exitCode()).isEqualTo(3);
    assertThat(s.message())
        .contains("No pod ghost in namespace team-a")
        .contains("kubectl get pods");
    assertThat(failures("NoSuchPod")).isEqualTo(1);
  }

  @Test
  void aPodOnAnotherNodeIsNotThisNodesAndGetsNoEvent() {
    pod("elsewhere", "node-2", List.of("app"), Map.of(), "app");
    startReconciler();
    request("elsewhere", NODE, CoreDumpSnapshotSpec.onDemand("elsewhere", null, null, null));

    CoreDumpSnapshotStatus s = awaitDone("elsewhere");
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.NOT_THIS_NODE);
    assertThat(s.exitCode()).isEqualTo(2);
    assertThat(s.message()).contains("runs on node node-2, not on node-1");
    assertThat(snapshotEvents()).isEmpty();
  }

  @Test
  void aContainerThatIsNotThereOrNotRunningIsNoSuchContainerWithAnEvent() {
    pod("web", NODE, List.of("app", "sidecar"), Map.of(), null);
    startReconciler();
    request("named", NODE, CoreDumpSnapshotSpec.onDemand("web", "db", null, null));
    request("waiting", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));

    CoreDumpSnapshotStatus named = awaitDone("named");
    assertThat(named.reason()).isEqualTo(CoreDumpSnapshotStatus.NO_SUCH_CONTAINER);
    assertThat(named.exitCode()).isEqualTo(3);
    assertThat(named.message()).contains("has no container db (its containers: app, sidecar)");
    CoreDumpSnapshotStatus waiting = awaitDone("waiting");
    assertThat(waiting.message())
        .contains("Container app of pod team-a/web is not running (waiting: CrashLoopBackOff)");
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertThat(snapshotEvents())
                    .hasSize(2)
                    .allSatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
                          assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid("web"));
                          assertThat(e.getMessage()).startsWith("NoSuchContainer: ");
                        }));
    assertThat(failures("NoSuchContainer")).isEqualTo(2);
  }

  @Test
  void withoutAContainerNamedKubectlsDefaultContainerIsTheOne() {
    // "sidecar" is the default; it is not running, so the failure names the container chosen.
    pod(
        "web",
        NODE,
        List.of("app", "sidecar"),
        Map.of(TargetResolver.DEFAULT_CONTAINER, "sidecar"),
        "app");
    startReconciler();
    request("default", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));

    assertThat(awaitDone("default").message())
        .contains("Container sidecar of pod team-a/web is not running");
  }

  @Test
  void anAgentOnAnOldJavaFailsAsUnsupportedAfterTheNodeCheck() {
    pod("web", NODE, List.of("app"), Map.of(), "app");
    TargetResolver resolver =
        new TargetResolver(
            client,
            NODE,
            new UnaskedRuntime(),
            "snapshots need Java 22 or newer (this is Java 17)");
    CoreDumpSnapshot request =
        request("old-java", "other", CoreDumpSnapshotSpec.onDemand("web", null, null, null));

    SnapshotFailure f = assertThrows(SnapshotFailure.class, () -> resolver.resolve(request));
    assertThat(f.reason()).isEqualTo(SnapshotReason.UNSUPPORTED);
    assertThat(f.exitCode().code()).isEqualTo(2);
    assertThat(f.getMessage())
        .contains("The agent on node node-1 cannot take snapshots: snapshots need Java 22")
        .contains("Run the agent on Java 22 or newer");
    assertThat(f.pod()).isNotNull();
  }

  @Test
  void aRequestLeftRunningByAnEarlierAgentIsFailedAndOneThatEndedIsLeftAlone() {
    CoreDumpSnapshot left =
        request("left", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));
    left.setStatus(running(NODE));
    client.resource(left).updateStatus();
    CoreDumpSnapshot done =
        request("done", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));
    done.setStatus(
        new CoreDumpSnapshotStatus(
            CoreDumpSnapshotStatus.SUCCEEDED,
            null,
            "done",
            NODE,
            42L,
            null,
            "d",
            "u",
            1L,
            2L,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z"));
    String version = client.resource(done).updateStatus().getMetadata().getResourceVersion();
    startReconciler();

    CoreDumpSnapshotStatus s = awaitDone("left");
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.SNAPSHOT_FAILED);
    assertThat(s.exitCode()).isEqualTo(1);
    assertThat(s.message()).contains("restarted during the snapshot").contains("ask again");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(10, SECONDS)
        .until(() -> get("done").getMetadata().getResourceVersion().equals(version));
  }

  @Test
  void aRequestWhoseDumpWasWrittenBeforeARestartSucceedsOnceItIsUploaded() throws Exception {
    TestDumps.Written written = TestDumps.write(dumps, 4096, 0);
    DumpInfo info;
    try (DumpArchive archive = DumpArchive.open(written.zip())) {
      info = archive.info();
    }
    CoreDumpSnapshot left =
        request("adopted", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));
    left.setStatus(
        new CoreDumpSnapshotStatus(
            CoreDumpSnapshotStatus.RUNNING,
            null,
            "uploading",
            NODE,
            4242L,
            null,
            written.name(),
            null,
            1500L,
            4096L,
            "2026-01-01T00:00:00Z",
            null));
    client.resource(left).updateStatus();
    startReconciler();
    reconciler.uploaded(info);

    CoreDumpSnapshotStatus s = awaitDone("adopted");
    assertThat(s.phase()).isEqualTo(CoreDumpSnapshotStatus.SUCCEEDED);
    assertThat(s.coreDump()).isEqualTo(info.uuid());
    assertThat(s.dump()).isEqualTo(written.name());
    assertThat(s.freezeMicros()).as("kept from before the restart").isEqualTo(1500L);
    assertThat(s.message()).contains("coroner debug " + written.name());
  }

  @Test
  void anotherNodesRequestsAreNotSeen() {
    startReconciler();
    request("theirs", "node-2", CoreDumpSnapshotSpec.onDemand("ghost", null, null, null));
    request("ours", NODE, CoreDumpSnapshotSpec.onDemand("ghost", null, null, null));

    awaitDone("ours");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(10, SECONDS)
        .until(() -> get("theirs").getStatus() == null);
  }

  private static CoreDumpSnapshotStatus running(String node) {
    return Statuses.running(node, "2026-01-01T00:00:00Z");
  }

  private CoreDumpSnapshot request(String name, String node, CoreDumpSnapshotSpec spec) {
    CoreDumpSnapshot s = new CoreDumpSnapshot();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withLabels(Map.of(CoronerApi.LABEL_NODE, node))
            .build());
    s.setSpec(spec);
    return client.resource(s).create();
  }

  private CoreDumpSnapshot get(String name) {
    return client.resources(CoreDumpSnapshot.class).inNamespace(NS).withName(name).get();
  }

  private CoreDumpSnapshotStatus awaitDone(String name) {
    return await()
        .atMost(20, SECONDS)
        .until(() -> get(name).getStatus(), s -> s != null && s.done());
  }

  /** A pod on {@code node} whose container {@code running} runs (null: none); the others wait. */
  private void pod(
      String name,
      String node,
      List<String> containers,
      Map<String, String> annotations,
      @Nullable String running) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .endSpec()
            .withNewStatus()
            .endStatus();
    for (String c : containers) {
      pod.editSpec().addNewContainer().withName(c).withImage("app:1").endContainer().endSpec();
      ContainerStatusBuilder status =
          new ContainerStatusBuilder().withName(c).withContainerID("containerd://" + ID);
      if (c.equals(running)) {
        status.withNewState().withNewRunning().endRunning().endState();
      } else {
        status
            .withNewState()
            .withNewWaiting()
            .withReason("CrashLoopBackOff")
            .endWaiting()
            .endState();
      }
      pod.editStatus().addToContainerStatuses(status.build()).endStatus();
    }
    client.pods().inNamespace(NS).resource(pod.build()).create();
  }

  private String uid(String pod) {
    return client.pods().inNamespace(NS).withName(pod).get().getMetadata().getUid();
  }

  private List<Event> snapshotEvents() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> PodEvents.SNAPSHOT.equals(e.getReason()))
        .toList();
  }

  private double failures(String reason) {
    return metrics.snapshots.labelValues("failed", reason).get();
  }

  /** These requests never reach the runtime. */
  private static final class UnaskedRuntime implements ContainerRuntime {
    @Override
    public ContainerProcess process(String containerId) {
      throw new AssertionError("the runtime was asked about " + containerId);
    }

    @Override
    public ContainerMetadata metadata(String containerId) {
      throw new AssertionError("the runtime was asked about " + containerId);
    }
  }
}
