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
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
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
 * one given here fails the test if it is asked (AgentSnapshotIT asks a real containerd), except in
 * the test of a request under way, whose snapshot is a real one of a real process (ptrace).
 *
 * <p>The CRUD mode never answers a status update with 409, so the races of taking a request are
 * played in front of it ({@link Races}): the rival's update lands in the CRUD store first, then the
 * agent's own gets the 409 the API server would give it.
 */
class SnapshotReconcilerTest {
  private static final String NODE = "node-1";
  private static final String NS = "team-a";
  private static final String ID = "ab".repeat(32);

  private final Races races = new Races();
  private KubernetesMockServer server;
  private KubernetesClient client;

  @TempDir Path dumps;

  private final AgentMetrics metrics = new AgentMetrics();
  private PodEvents events;
  private SnapshotReconciler reconciler;

  @BeforeEach
  void start() throws Exception {
    var responses = new HashMap<ServerRequest, Queue<ServerResponse>>();
    races.crud = new KubernetesMixedDispatcher(responses);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, races, false);
    server.init();
    client = server.createClient();
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
    client.close();
    server.destroy();
  }

  private void startReconciler() {
    startReconciler(
        new UnaskedRuntime(),
        meta -> {
          throw new AssertionError("no identity is needed");
        },
        4096);
  }

  private void startReconciler(
      ContainerRuntime runtime,
      Function<ContainerMetadata, DumpInfo.PodInfo> identity,
      int remembered) {
    reconciler =
        new SnapshotReconciler(
            client,
            new SnapshotReconciler.Settings(
                NODE, CaptureSettings.defaults().withDumpDir(dumps), 1, "test"),
            new SnapshotReconciler.Parts(
                Snapshotter.system(), runtime, identity, (uuid, pid) -> {}, events, metrics),
            Clock.systemUTC(),
            remembered);
    reconciler.start();
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
    leaveRunning(left, written.name());
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
  void aRequestWhoseDumpTheUploaderGivesUpOnFailsInsteadOfWaitingForever() throws Exception {
    TestDumps.Written written = TestDumps.write(dumps, 4096, 0);
    CoreDumpSnapshot left =
        request("lost", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, null));
    leaveRunning(left, written.name());
    startReconciler();
    // The uploader found it unreadable (DumpUploader.quarantine); before or after the reconciler
    // took the request up again, it ends the same way.
    reconciler.abandoned(written.zip(), "it is not a readable dump (bad CRC)");

    CoreDumpSnapshotStatus s = awaitDone("lost");
    assertThat(s.phase()).isEqualTo(CoreDumpSnapshotStatus.FAILED);
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.SNAPSHOT_FAILED);
    assertThat(s.message())
        .contains(written.name() + ".zip was written but will not be uploaded")
        .contains("it is not a readable dump (bad CRC)")
        .contains("Ask again");
    assertThat(failures("SnapshotFailed")).isEqualTo(1);

    // A dump no request waits for (a crash's) changes nothing.
    reconciler.abandoned(dumps.resolve("other.zip"), "its file was removed");
    assertThat(failures("SnapshotFailed")).isEqualTo(1);
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

  @Test
  void aConflictWhileTakingReadsTheRequestAgainAndTakesItWhenStillFree() {
    // Someone changed it (a label) after the informer saw it; it is still nobody's.
    races.onTake("relabelled", body -> body);
    startReconciler();
    request("relabelled", NODE, new CoreDumpSnapshotSpec(null, null, null, null, null, null));

    // Without a second look it would wait for the informer's resync, a minute away.
    CoreDumpSnapshotStatus s = awaitDone("relabelled");
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.INVALID);
    assertThat(s.node()).isEqualTo(NODE);
    assertThat(races.conflicts()).isEqualTo(1);
  }

  @Test
  void aConflictBecauseItsOwnRetriedTakeLandedGoesOnAsTaken() {
    // The client's retry of a take whose first try landed: the second try finds its own status.
    races.onTake("retried", body -> body);
    races.rivalLands = true;
    startReconciler();
    request("retried", NODE, new CoreDumpSnapshotSpec(null, null, null, null, null, null));

    CoreDumpSnapshotStatus s = awaitDone("retried");
    assertThat(s.reason())
        .as("carried out, not failed as left behind by a restart: %s", s.message())
        .isEqualTo(CoreDumpSnapshotStatus.INVALID);
    assertThat(races.conflicts()).isEqualTo(1);
    assertThat(failures("SnapshotFailed")).isZero();
  }

  @Test
  void aRequestAnotherAgentOnTheNodeTookMeanwhileIsLeftToIt() {
    // Two agents on one node for a moment (a rollout): the other one's take lands first.
    races.onTake("rival", body -> body.replace("\"startedAt\":\"", "\"startedAt\":\"rival-"));
    races.rivalLands = true;
    startReconciler();
    request("rival", NODE, new CoreDumpSnapshotSpec(null, null, null, null, null, null));

    await().atMost(20, SECONDS).until(() -> races.conflicts() == 1);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(20, SECONDS)
        .until(
            () -> {
              CoreDumpSnapshotStatus s = get("rival").getStatus();
              return s != null
                  && CoreDumpSnapshotStatus.RUNNING.equals(s.phase())
                  && s.startedAt() != null
                  && s.startedAt().startsWith("rival-");
            });
    assertThat(failures("SnapshotFailed")).as("not failed as left behind").isZero();
  }

  @Test
  void aRequestUnderWayStaysThisRunsHoweverLongItsUploadTakes() throws Exception {
    // Not this JVM's child (the engine refuses to trace its own children): the shell leaves it.
    Process shell =
        new ProcessBuilder("sh", "-c", "sleep 600 </dev/null >/dev/null 2>&1 & echo $!").start();
    long pid = Long.parseLong(new String(shell.getInputStream().readAllBytes()).trim());
    shell.waitFor();
    ProcessHandle sleeper = ProcessHandle.of(pid).orElseThrow();
    try {
      pod("web", NODE, List.of("app"), Map.of(), "app");
      String podUid = uid("web");
      // Remembering two handled requests, so that a few more push this one out of that memory.
      startReconciler(
          new LiveRuntime(pid, podUid),
          meta ->
              new DumpInfo.PodInfo(
                  meta.podNamespace(),
                  meta.podName(),
                  meta.podUid(),
                  meta.containerName(),
                  meta.image()),
          2);
      request("long", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, "alice"));
      CoreDumpSnapshotStatus written =
          await()
              .atMost(60, SECONDS)
              .until(() -> get("long").getStatus(), st -> st != null && st.dump() != null);
      assertThat(written.phase()).isEqualTo(CoreDumpSnapshotStatus.RUNNING);
      Path zip = dumps.resolve(written.dump() + ".zip");
      DumpInfo info;
      try (DumpArchive archive = DumpArchive.open(zip)) {
        info = archive.info();
      }

      // Its upload takes long; meanwhile other requests come and end.
      for (int i = 0; i < 4; i++) {
        request("other-" + i, NODE, new CoreDumpSnapshotSpec(null, null, null, null, null, null));
        awaitDone("other-" + i);
      }
      // The upload is verified and the local copy deleted (the uploader tells the reconciler
      // after that); the request changes meanwhile, as anything may (a label), and is handed over.
      Files.delete(zip);
      var unused =
          client
              .resources(CoreDumpSnapshot.class)
              .inNamespace(NS)
              .withName("long")
              .edit(
                  r -> {
                    r.getMetadata().getLabels().put("touched", "yes");
                    return r;
                  });
      await()
          .during(Duration.ofSeconds(3))
          .atMost(20, SECONDS)
          .until(() -> CoreDumpSnapshotStatus.RUNNING.equals(get("long").getStatus().phase()));
      reconciler.uploaded(info);

      CoreDumpSnapshotStatus s = awaitDone("long");
      assertThat(s.phase()).as(s.message()).isEqualTo(CoreDumpSnapshotStatus.SUCCEEDED);
      assertThat(s.coreDump()).isEqualTo(info.uuid());
      assertThat(s.message()).contains("The snapshot of the container app of pod team-a/web");
      assertThat(failures("SnapshotFailed")).as("never failed as left behind").isZero();
      assertThat(metrics.snapshots.labelValues("succeeded", "none").get()).isEqualTo(1);
      await()
          .atMost(10, SECONDS)
          .untilAsserted(
              () ->
                  assertThat(snapshotEvents())
                      .singleElement()
                      .satisfies(e -> assertThat(e.getType()).isEqualTo("Normal")));
      assertThat(sleeper.isAlive()).as("the process runs on").isTrue();
    } finally {
      sleeper.destroyForcibly();
      sleeper.onExit().get(10, TimeUnit.SECONDS);
    }
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

  /** As a killed agent leaves a request whose dump {@code dump} was written: Running. */
  private void leaveRunning(CoreDumpSnapshot left, String dump) {
    left.setStatus(
        new CoreDumpSnapshotStatus(
            CoreDumpSnapshotStatus.RUNNING,
            null,
            "uploading",
            NODE,
            4242L,
            null,
            dump,
            null,
            1500L,
            4096L,
            "2026-01-01T00:00:00Z",
            null));
    client.resource(left).updateStatus();
  }

  private double failures(String reason) {
    return metrics.snapshots.labelValues("failed", reason).get();
  }

  /**
   * Plays a race in front of the CRUD store: the first status update of a request armed with {@link
   * #onTake} gets the API server's 409; when {@link #rivalLands}, the rival's update (the agent's
   * own body, rewritten) is stored first, as if it had come a moment before.
   */
  private static final class Races extends Dispatcher {
    volatile Dispatcher crud;
    volatile boolean rivalLands;
    private final Map<String, UnaryOperator<String>> armed = new ConcurrentHashMap<>();
    private final AtomicInteger conflicts = new AtomicInteger();

    void onTake(String name, UnaryOperator<String> rival) {
      armed.put(
          "/apis/coroner.dev/v1/namespaces/" + NS + "/coredumpsnapshots/" + name + "/status",
          rival);
    }

    int conflicts() {
      return conflicts.get();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      UnaryOperator<String> rival =
          request.method() == HttpMethod.PUT ? armed.remove(request.getPath()) : null;
      if (rival == null) {
        return crud.dispatch(request);
      }
      if (rivalLands) {
        var unused =
            crud.dispatch(
                new RecordedRequest(
                    request.getHttpVersion(),
                    request.method(),
                    request.getPath(),
                    request.getHeaders(),
                    new Buffer().writeUtf8(rival.apply(request.getUtf8Body()))));
      }
      conflicts.incrementAndGet();
      return new MockResponse()
          .setResponseCode(409)
          .setBody(
              new KubernetesSerialization()
                  .asJson(
                      new StatusBuilder()
                          .withStatus("Failure")
                          .withCode(409)
                          .withReason("Conflict")
                          .withMessage("the object has been modified")
                          .build()));
    }

    @Override
    public void shutdown() {
      crud.shutdown();
    }
  }

  /** The container runs as {@code pid}, a real process of this test, in pod {@code podUid}. */
  private record LiveRuntime(long pid, String podUid) implements ContainerRuntime {
    @Override
    public ContainerProcess process(String containerId) {
      return new ContainerProcess(containerId, true, pid, null);
    }

    @Override
    public ContainerMetadata metadata(String containerId) {
      return new ContainerMetadata(
          containerId,
          "app",
          "app:1",
          "app@sha256:" + "cd".repeat(32),
          "web",
          NS,
          podUid,
          Map.of(),
          Map.of(),
          Map.of(),
          0,
          List.of(),
          null,
          NODE);
    }
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
