package dev.coroner.cli.snapshot;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.cli.CliConfig;
import dev.coroner.cli.Main;
import dev.coroner.cli.k8s.MockKubeconfig;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.kube.api.CoronerApi;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code coroner snapshot POD --store k8s} through the real command line, with the test playing
 * coroner's agent on node-1: it watches CoreDumpSnapshots labelled for its node, as the agent does,
 * and writes their status. Kubernetes' API server cannot run on this machine, so fabric8's mock
 * server stands in for it, in CRUD mode with the chart's CRDs created in it, plus expectations for
 * what CRUD cannot do (a SelfSubjectReview's answer, a 403).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PodSnapshotTest {
  private static final String ME = "alice@example.com";
  private static final String UUID = "4f3c2a1b-9d8e-4f7a-8b6c-5d4e3f2a1b0c";
  private static final String DUMP = UUID + "-node-4242-0";

  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir Path tmp;
  private Path kubeconfig;
  private final ExecutorService agent = Executors.newSingleThreadExecutor();
  private @Nullable Watch watch;

  /** The running command's stderr, which the agent reads to know what the CLI has seen. */
  private volatile StringWriter liveErr = new StringWriter();

  private final AtomicBoolean finished = new AtomicBoolean();

  /** When the command says that no agent has taken its request: as shipped, unless a test asks. */
  private Duration agentNotice = Duration.ofSeconds(10);

  @BeforeEach
  void crdsAndAPod() throws Exception {
    KubernetesSerialization yaml = new KubernetesSerialization();
    client
        .resource(
            yaml.unmarshal(
                Files.readString(
                    Path.of("../charts/coroner/crds/coredumpsnapshots.coroner.dev.yaml")),
                CustomResourceDefinition.class))
        .create();
    server
        .expect()
        .post()
        .withPath("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .andReturn(
            201,
            "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\","
                + "\"status\":{\"userInfo\":{\"username\":\""
                + ME
                + "\"}}}")
        .always();
    kubeconfig = MockKubeconfig.write(tmp, server);
    pod("web-1", "node-1", "Running", Map.of(), "app", "sidecar");
  }

  @AfterEach
  void stopTheAgent() {
    if (watch != null) {
      watch.close();
    }
    agent.shutdownNow();
  }

  @Test
  void theAgentsDumpIsNamedAndTheRequestSaysWhatWasAsked() throws Exception {
    playAgent(
        s -> {
          publish(s, running(s), this::taken);
          publish(s, succeeded(s), finished::get);
        });
    Run r = snapshot("web-1", "--store", "k8s");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Snapshot of shop/web-1 (container app): CoreDump " + UUID)
        .contains("Open it: coroner debug " + UUID + " --store k8s -n shop")
        .contains("coroner info " + UUID + " --store k8s -n shop");
    assertThat(r.err())
        .contains(
            "Pod shop/web-1 runs on node node-1; container app (its default; -c chooses"
                + " another: sidecar)")
        .containsPattern(
            "Created coredumpsnapshot shop/web-1-\\S+ \\(method fork," + " requester " + ME + "\\)")
        .contains("waiting for coroner's agent on node node-1")
        .contains("The agent on node node-1 took it: snapshotting process 4242")
        .contains("Snapshot written: process 4242, stopped for 12.3 ms, core 1.0 GiB, dump " + DUMP)
        .doesNotContain("No agent has taken");

    CoreDumpSnapshot request = onlyRequest();
    assertThat(request.getMetadata().getName()).startsWith("web-1-");
    assertThat(request.getMetadata().getLabels())
        .containsEntry(CoronerApi.LABEL_NODE, "node-1")
        .containsEntry(CoronerApi.LABEL_POD, "web-1")
        .containsEntry(CoronerApi.LABEL_MANAGED_BY, CoronerApi.MANAGER);
    assertThat(request.getSpec())
        .isEqualTo(new CoreDumpSnapshotSpec("web-1", "app", "fork", "on-demand", null, ME));
  }

  @Test
  void theConfiguredClusterStoreTheNamedContainerAndTheStopMethod() throws Exception {
    pod("db-0", "node-1", "Running", Map.of(PodTarget.DEFAULT_CONTAINER, "db"), "init-like", "db");
    playAgent(s -> publish(s, succeeded(s), finished::get));
    Run r =
        snapshotWith(Map.of("CORONER_STORE", "k8s://mock"), "db-0", "-c", "db", "--method", "stop");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("coroner debug " + UUID + " --store k8s://mock -n shop");
    assertThat(r.err()).contains("container db\n").doesNotContain("its default");
    assertThat(onlyRequest().getSpec().container()).isEqualTo("db");
    assertThat(onlyRequest().getSpec().method()).isEqualTo("stop");

    // Without -c, kubectl's annotation picks the container.
    client.resources(CoreDumpSnapshot.class).inNamespace("shop").delete();
    await().atMost(10, SECONDS).until(() -> requests().isEmpty());
    Run annotated = snapshotWith(Map.of("CORONER_STORE", "k8s"), "pod/db-0");
    assertThat(annotated.code()).as(annotated.err()).isZero();
    assertThat(annotated.err())
        .contains("container db (its default; -c chooses another: init-like)");
    assertThat(onlyRequest().getSpec().container()).isEqualTo("db");
  }

  @Test
  void jsonPrintsTheFinalStatusAlone() throws Exception {
    playAgent(s -> publish(s, succeeded(s), finished::get));
    Run r = snapshot("web-1", "--store", "k8s", "-o", "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode status = new ObjectMapper().readTree(r.out());
    assertThat(status.get("phase").asText()).isEqualTo("Succeeded");
    assertThat(status.get("coreDump").asText()).isEqualTo(UUID);
    assertThat(status.get("freezeMicros").asLong()).isEqualTo(12_345);
    assertThat(r.err()).contains("Open it: coroner debug " + UUID);
  }

  @ParameterizedTest
  @CsvSource({
    "NoSuchPod, , 3, the pod is gone",
    "NoSuchContainer, , 3, -c names another container",
    "PtraceRefused, , 9, the node refuses to trace that process",
    "ProcessExited, , 10, nothing was left stopped",
    "Unsupported, , 1, it needs Java 22+",
    "Invalid, , 2, refused the request as invalid",
    "NotThisNode, , 1, run the command again",
    "RateLimited, , 1, try again in a while",
    "SnapshotFailed, , 1, the log of coroner's agent on node node-1",
    "SnapshotFailed, 8, 8, the log of coroner's agent on node node-1",
    "PtraceRefused, 0, 9, the node refuses",
    "PtraceRefused, 77, 9, the node refuses",
  })
  void eachFailureExitsWithTheAgentsCodeAndSaysWhy(
      String reason, @Nullable Integer exitCode, int expected, String advice) throws Exception {
    playAgent(
        s -> {
          publish(s, running(s), this::taken);
          publish(
              s,
              new CoreDumpSnapshotStatus(
                  "Failed",
                  reason,
                  "it went wrong \u001b[31mred\u001b[0m\non two lines",
                  "node-1",
                  4242L,
                  exitCode,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null),
              finished::get);
        });
    Run r = snapshot("web-1", "--store", "k8s");
    assertThat(r.code()).as(r.err()).isEqualTo(expected);
    assertThat(r.err())
        .contains(
            "the agent on node node-1 could not snapshot shop/web-1 (container app): "
                + reason
                + ": it went wrong \\x1b[31mred\\x1b[0m on two lines; ")
        .contains(advice)
        .doesNotContain("\u001b");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aMissingPodAPodWithoutANodeAndOneThatDoesNotRunExit3() throws Exception {
    Run missing = snapshot("ghost", "--store", "k8s");
    assertThat(missing.code()).isEqualTo(3);
    assertThat(missing.err())
        .contains("no pod 'ghost' in namespace shop; 'kubectl get pods -n shop' lists them");

    pod("pending-1", null, "Pending", Map.of(), "app");
    Run pending = snapshot("pending-1", "--store", "k8s");
    assertThat(pending.code()).isEqualTo(3);
    assertThat(pending.err())
        .contains("pod shop/pending-1 is not scheduled on a node yet (Pending)")
        .contains("'kubectl describe pod pending-1 -n shop'");

    pod("done-1", "node-1", "Succeeded", Map.of(), "app");
    Run done = snapshot("done-1", "--store", "k8s");
    assertThat(done.code()).isEqualTo(3);
    assertThat(done.err()).contains("pod shop/done-1 is Succeeded, not Running");

    Run noSuchContainer = snapshot("web-1", "--store", "k8s", "-c", "db");
    assertThat(noSuchContainer.code()).isEqualTo(3);
    assertThat(noSuchContainer.err())
        .contains("pod shop/web-1 has no container 'db'; its containers: app, sidecar");

    Pod crashing = pod("crashing-1", "node-1", "Running", Map.of(), "app");
    crashing
        .getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName("app")
                    .withNewState()
                    .withNewWaiting()
                    .withReason("CrashLoopBackOff")
                    .endWaiting()
                    .endState()
                    .build()));
    client.pods().inNamespace("shop").resource(crashing).updateStatus();
    Run waiting = snapshot("crashing-1", "--store", "k8s");
    assertThat(waiting.code()).isEqualTo(3);
    assertThat(waiting.err())
        .contains(
            "container app of pod shop/crashing-1 is not running (waiting: CrashLoopBackOff)");

    Run elsewhere = snapshot("web-1", "--store", "k8s", "-n", "other");
    assertThat(elsewhere.code()).isEqualTo(3);
    assertThat(elsewhere.err()).contains("no pod 'web-1' in namespace other");
    assertThat(requests()).as("nothing was asked of an agent").isEmpty();
  }

  @Test
  void noAgentSaysWhatToCheckThenTimesOutAndTheRequestStays() throws Exception {
    agentNotice = Duration.ofMillis(300);
    Run r = snapshot("web-1", "--store", "k8s", "--timeout", "2s");
    assertThat(r.code()).isEqualTo(4);
    CoreDumpSnapshot request = onlyRequest();
    String name = request.getMetadata().getName();
    assertThat(r.err())
        .contains("No agent has taken coredumpsnapshot shop/" + name + " after 300ms")
        .contains("check that coroner's agent (the DaemonSet's pod) runs on node node-1")
        .contains("--field-selector spec.nodeName=node-1")
        .contains("Still waiting (--timeout 2s)")
        .contains("no agent took coredumpsnapshot shop/" + name + " within 2s")
        .contains("The request stays")
        .contains("'kubectl get coredumpsnapshot " + name + " -n shop'");
    assertThat(request.getStatus()).isNull();
  }

  @Test
  void anAgentThatDoesNotFinishTimesOutWith1AndJsonHasWhatItSaid() throws Exception {
    playAgent(s -> publish(s, running(s), this::taken));
    // Long enough for a busy machine's agent to take it, whatever it costs.
    Run r = snapshot("web-1", "--store", "k8s", "--timeout", "6s", "-o", "json");
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    String name = onlyRequest().getMetadata().getName();
    assertThat(r.err())
        .contains("the agent on node node-1 took coredumpsnapshot shop/" + name)
        .contains("did not finish it within 6s (phase Running; --timeout waits longer)")
        .contains("The request stays")
        .doesNotContain("No agent has taken");
    assertThat(new ObjectMapper().readTree(r.out()).get("phase").asText()).isEqualTo("Running");
  }

  @Test
  void aRequestDeletedMeanwhileFails() throws Exception {
    playAgent(
        s -> {
          publish(s, running(s), this::taken);
          awaitWatched(s.getMetadata().getName());
          client
              .resources(CoreDumpSnapshot.class)
              .inNamespace("shop")
              .withName(s.getMetadata().getName())
              .delete();
        });
    Run r = snapshot("web-1", "--store", "k8s", "--timeout", "20s");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("was deleted before the agent finished it");
  }

  @Test
  void aForbiddenCreateNamesTheVerbTheResourceAndTheRole() throws Exception {
    server
        .expect()
        .post()
        .withPath("/apis/coroner.dev/v1/namespaces/shop/coredumpsnapshots")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "coredumpsnapshots.coroner.dev is forbidden: User \""
                        + ME
                        + "\" cannot create resource \"coredumpsnapshots\" in API group"
                        + " \"coroner.dev\" in the namespace \"shop\"")
                .build())
        .always();
    Run r = snapshot("web-1", "--store", "k8s");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err())
        .contains("forbidden to create coredumpsnapshots.coroner.dev in namespace shop")
        .contains("cannot create resource \"coredumpsnapshots\"")
        .contains("'kubectl auth can-i create coredumpsnapshots.coroner.dev -n shop' checks")
        .contains("coroner-dump-debugger");
    assertThat(requests()).isEmpty();

    // Reading the pod comes first, and says so when it is refused.
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/shop/pods/web-1")
        .andReturn(
            403,
            new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("no").build())
        .always();
    Run pods = snapshot("web-1", "--store", "k8s");
    assertThat(pods.code()).isEqualTo(4);
    assertThat(pods.err())
        .contains("forbidden to get pods in namespace shop (no)")
        .contains("'kubectl auth can-i get pods -n shop' checks")
        .contains("it grants get on pods");
  }

  @Test
  void argumentsThatFitNeitherFormAreUsageErrors() throws Exception {
    Run pidInCluster = snapshot("4242", "--store", "k8s");
    assertThat(pidInCluster.code()).isEqualTo(2);
    assertThat(pidInCluster.err())
        .contains("4242 is a PID, a process on this host, but the store is k8s")
        .contains("pass --store DIR")
        .contains("pod/4242");

    Run configured = snapshotWith(Map.of("CORONER_STORE", "k8s"), "4242");
    assertThat(configured.code()).isEqualTo(2);
    assertThat(configured.err()).contains("the store is k8s (--store or $CORONER_STORE)");

    Run podHere = snapshot("web-1", "--store", tmp.toString());
    assertThat(podHere.code()).isEqualTo(2);
    assertThat(podHere.err())
        .contains("'web-1' is not a PID; to snapshot pod web-1 in the cluster, add --store k8s");

    Run containerHere = snapshot("4242", "-c", "app", "--store", tmp.toString());
    assertThat(containerHere.code()).isEqualTo(2);
    assertThat(containerHere.err())
        .contains("-c applies to a pod in the cluster (coroner snapshot POD --store k8s)");

    Run namespaceHere = snapshot("4242", "-n", "shop", "--store", tmp.toString());
    assertThat(namespaceHere.code()).isEqualTo(2);
    assertThat(namespaceHere.err()).contains("-n applies to a pod in the cluster");

    Run podAndContainerHere = snapshot("web-1", "-c", "app", "--store", tmp.toString());
    assertThat(podAndContainerHere.code()).isEqualTo(2);
    assertThat(podAndContainerHere.err()).contains("-c names a container of a pod");

    Run stopTimeout = snapshot("web-1", "--store", "k8s", "--stop-timeout", "1s");
    assertThat(stopTimeout.code()).isEqualTo(2);
    assertThat(stopTimeout.err()).contains("--stop-timeout applies to a PID on this host");

    assertThat(snapshot("web-1", "--store", "k8s", "-o", "yaml").err())
        .contains("-o takes json only");
    assertThat(snapshot("web-1", "--store", "k8s", "--method", "gcore").err())
        .contains("--method must be fork or stop");
    assertThat(snapshot("web-1", "--store", "k8s", "--timeout", "soon").err())
        .contains("--timeout must be a duration");
    Run badName = snapshot("Web_1", "--store", "k8s");
    assertThat(badName.code()).isEqualTo(2);
    assertThat(badName.err()).contains("'Web_1' is not a pod's name");
    assertThat(snapshot("web-1", "--store", "k8s", "--context", "prod").err())
        .contains("no context 'prod' in the kubeconfig; it has: mock");
    assertThat(requests()).isEmpty();
  }

  @Test
  void helpExplainsBothFormsTheRbacAndTheExitCodes() {
    Run r = snapshot("--help");
    assertThat(r.code()).isZero();
    // As a reader sees it, whatever the terminal's width.
    assertThat(r.out().replaceAll("\\s+", " "))
        .contains("coroner snapshot PID")
        .contains("coroner snapshot POD [-c CONTAINER] [-n NS]")
        .contains("--store k8s[://CONTEXT]")
        .contains("create, get, list and watch on coredumpsnapshots.coroner.dev")
        .contains("get on pods")
        .contains("coroner-dump-debugger")
        .contains("Exit codes:")
        .contains("no such process, pod or container")
        .contains("no agent took the")
        .contains("ptrace refused");
  }

  // --- the agent and the API

  /** Plays the agent on node-1: every new request labelled for it is handed to {@code work}. */
  private void playAgent(Consumer<CoreDumpSnapshot> work) {
    watch =
        client
            .resources(CoreDumpSnapshot.class)
            .inNamespace("shop")
            .withLabel(CoronerApi.LABEL_NODE, "node-1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, CoreDumpSnapshot s) {
                    if (action == Action.ADDED) {
                      agent.submit(() -> work.accept(s));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
  }

  /**
   * Writes {@code status} until {@code seen}. The mock server's watch replays nothing from a
   * resourceVersion, so a change made between the CLI's list and its watch would be lost; the real
   * API server replays it. Writing again until the CLI shows it keeps the tests from depending on
   * that gap.
   */
  private void publish(CoreDumpSnapshot s, CoreDumpSnapshotStatus status, BooleanSupplier seen) {
    await()
        .atMost(20, SECONDS)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              status(s, status);
              return seen.getAsBoolean();
            });
  }

  /** Whether the CLI has told that an agent took its request. */
  private boolean taken() {
    return liveErr.toString().contains("took it");
  }

  /** Until the CLI has opened its watch on the request {@code name}. */
  private void awaitWatched(String name) {
    await()
        .atMost(10, SECONDS)
        .until(
            () -> {
              RecordedRequest q = server.takeRequest(100, MILLISECONDS);
              return q != null && q.getPath().contains("watch=true") && q.getPath().contains(name);
            });
  }

  private void status(CoreDumpSnapshot s, CoreDumpSnapshotStatus status) {
    CoreDumpSnapshot now =
        client
            .resources(CoreDumpSnapshot.class)
            .inNamespace("shop")
            .withName(s.getMetadata().getName())
            .get();
    now.setStatus(status);
    client.resource(now).updateStatus();
  }

  private static CoreDumpSnapshotStatus running(CoreDumpSnapshot s) {
    return new CoreDumpSnapshotStatus(
        "Running",
        null,
        null,
        "node-1",
        4242L,
        null,
        null,
        null,
        null,
        null,
        "2026-12-01T10:00:00Z",
        null);
  }

  private static CoreDumpSnapshotStatus succeeded(CoreDumpSnapshot s) {
    return new CoreDumpSnapshotStatus(
        "Succeeded",
        null,
        null,
        "node-1",
        4242L,
        null,
        DUMP,
        UUID,
        12_345L,
        1L << 30,
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:00:02Z");
  }

  private List<CoreDumpSnapshot> requests() {
    return client.resources(CoreDumpSnapshot.class).inNamespace("shop").list().getItems();
  }

  private CoreDumpSnapshot onlyRequest() {
    List<CoreDumpSnapshot> all = requests();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  private Pod pod(
      String name,
      @Nullable String node,
      String phase,
      Map<String, String> annotations,
      String... containers) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("shop")
            .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .endSpec()
            .withNewStatus()
            .withPhase(phase)
            .endStatus();
    for (String c : containers) {
      b.editSpec().addNewContainer().withName(c).withImage(c + ":1").endContainer().endSpec();
    }
    return client.pods().inNamespace("shop").resource(b.build()).create();
  }

  // --- the command line

  private Run snapshot(String... args) {
    return snapshotWith(Map.of(), args);
  }

  private Run snapshotWith(Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("snapshot"));
    all.addAll(List.of(args));
    if (!all.contains("--help")) {
      all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    liveErr = err;
    finished.set(false);
    CommandLine cl = Main.commandLine(CliConfig.load(env, tmp));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    SnapshotCommand command = cl.getSubcommands().get("snapshot").getCommand();
    command.agentNotice = agentNotice;
    int code = cl.execute(all.toArray(String[]::new));
    finished.set(true);
    return new Run(code, out.toString(), err.toString());
  }

  record Run(int code, String out, String err) {}
}
