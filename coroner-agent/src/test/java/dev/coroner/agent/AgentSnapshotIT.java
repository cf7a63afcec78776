package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.kube.PodEvents;
import dev.coroner.agent.trigger.MockApi;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.kube.api.CoreDumpSnapshotStatus;
import dev.coroner.kube.api.CoronerApi;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * CoreDumpSnapshot requests carried out by the agent, end to end on real parts: the agent as its
 * own process (Java 25, as bin/coroner-agent runs it), a real containerd (the harness plays
 * kubelet) running a Node.js process that prints a heartbeat, the snapshot engine's ptrace on the
 * real kernel, and the dump in a real S3 server (s3proxy). The process keeps running with the same
 * PID, still prints, and is traced by nobody afterwards. Failures: a pod that does not exist, a pod
 * on another node, a container that has exited (its pod's status not yet saying so), a process
 * another tracer holds, and an agent on Java 17. Then the user's path, the real CLI ({@code coroner
 * snapshot POD -n NS --store k8s}, run in this JVM through its {@code Main}, with a kubeconfig that
 * points at the mock server) against this agent: a snapshot it names as a CoreDump with the
 * commands that open it, and a container that has exited (exit code 3 and what to do). Last, the
 * triggers wired in a whole agent: an agent with the memory trigger on, and a container whose
 * working set the test puts above the threshold of its real cgroup's limit (set there as kubelet
 * would); the agent itself asks for the snapshot and carries it out.
 *
 * <p>Kubernetes' API server cannot run on this machine, so fabric8's mock server in CRUD mode
 * stands in for it, for that one boundary, with the chart's CRDs created in it: it holds the
 * requests and the Pod objects the harness's containers belong to (node name, container statuses
 * with the containerd IDs), as kubelet would report them; the agent reaches it through a
 * kubeconfig. The mock matches field selectors on {@code metadata.*} only, so {@link MockApi}
 * leaves out the triggers' {@code spec.nodeName} and answers with every pod, which the agent's own
 * checks then sort (the pods of the other nodes here). The core_pattern is not touched (the agent
 * does not install), so no kernel lock is needed; every container, process and directory the test
 * starts is removed at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentSnapshotIT {
  private static MockApi mock;
  private static KubernetesMockServer api;
  private static KubernetesClient apiClient;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NODE = "node-1";
  private static final String NS = "team-a";
  private static final String BUCKET = "snapshots";
  // A heartbeat every 100 ms; SIGTERM ends it cleanly when the harness stops the container.
  private static final String HEARTBEAT =
      "let n = 0; setInterval(() => console.log('beat ' + (++n)), 100);"
          + " process.on('SIGTERM', () => process.exit(0));";
  private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");

  private static Path tmp;
  private static ContainerdHarness harness;
  private static S3Server s3;
  private static S3Client admin;
  private static AgentProcess agent;
  private static Container web;
  private static final List<Process> tracers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    tmp = Files.createTempDirectory(Path.of("/tmp"), "snap-e2e");
    mock = new MockApi();
    api = mock.server;
    apiClient = mock.client;
    harness = ContainerdHarness.start();
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket(BUCKET));
    KubernetesSerialization yaml = new KubernetesSerialization();
    for (String crd : List.of("coredumps.coroner.dev.yaml", "coredumpsnapshots.coroner.dev.yaml")) {
      apiClient
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(
              yaml.unmarshal(
                  Files.readString(Path.of("../charts/coroner/crds", crd)),
                  CustomResourceDefinition.class))
          .create();
    }
    Files.writeString(
        tmp.resolve("kubeconfig"),
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: agent, user: {token: agent-token}}]
        contexts: [{name: mock, context: {cluster: mock, user: agent}}]
        current-context: mock
        """
            .formatted(api.url("/")));
    agent = startAgent(NODE, "dumps", Path.of(System.getProperty("java.home")));
    web = runningContainer("web", Map.of("app", "web"), List.of("/usr/bin/node", "-e", HEARTBEAT));
  }

  private static AgentProcess startAgent(String node, String dumps, Path javaHome)
      throws Exception {
    return startAgent(node, dumps, javaHome, Map.of());
  }

  private static AgentProcess startAgent(
      String node, String dumps, Path javaHome, Map<String, String> more) throws Exception {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "CORONER_CRI_SOCKET",
                harness.socket().toString(),
                "CORONER_NODE_NAME",
                node,
                "CORONER_PREFIX",
                tmp.resolve("prefix-" + node).toString(),
                // The whole pipeline, as for a crash: analysis, scrub, upload, CoreDump.
                "CORONER_SCRUB",
                "default",
                "CORONER_ANALYSIS_TIMEOUT",
                "30s",
                "CORONER_LOG_TAIL_LINES",
                "50",
                "KUBECONFIG",
                tmp.resolve("kubeconfig").toString()));
    env.putAll(more);
    AgentProcess a = AgentProcess.start(s3, tmp.resolve(dumps), BUCKET, env, javaHome);
    assertThat(a.ready()).as(String.join("\n", a.log())).isTrue();
    return a;
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      for (Process t : tracers) {
        t.destroyForcibly();
        t.waitFor(10, TimeUnit.SECONDS);
      }
      if (agent != null) {
        agent.log().stream()
            .filter(l -> l.contains("\"WARN\"") || l.contains("\"ERROR\""))
            .forEach(l -> System.out.println("agent: " + l));
        agent.close();
      }
      if (admin != null) {
        admin.close();
      }
      if (s3 != null) {
        s3.close();
      }
      if (harness != null) {
        harness.close();
      }
      if (mock != null) {
        mock.close();
      }
    } finally {
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void aSnapshotOfARunningContainerIsAnOrdinaryDumpOfItsPodAndTheProcessRunsOn() throws Exception {
    long beatsBefore = beats(web);
    request("first", NODE, CoreDumpSnapshotSpec.onDemand("web", null, null, "alice"));

    CoreDumpSnapshotStatus s = awaitDone("first", Duration.ofSeconds(240));
    assertThat(s.phase()).as(s.message()).isEqualTo(CoreDumpSnapshotStatus.SUCCEEDED);
    assertThat(s.node()).isEqualTo(NODE);
    assertThat(s.pid()).isEqualTo(web.pid());
    assertThat(s.exitCode()).isNull();
    assertThat(s.freezeMicros()).isPositive();
    assertThat(s.coreBytes()).isGreaterThan(1L << 20);
    assertThat(s.message()).contains("coroner debug " + s.dump());
    String uuid = Objects.requireNonNull(s.coreDump());
    System.out.printf(
        "snapshot of node (pid %d): frozen %d us, core %d bytes%n",
        s.pid(), s.freezeMicros(), s.coreBytes());

    // Unharmed: the same process, traced by nobody, still printing its heartbeat.
    assertThat(Files.exists(Path.of("/proc", Long.toString(web.pid())))).isTrue();
    assertThat(tracerPid(web.pid())).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> beats(web) > beatsBefore + 20);

    S3Object object = dumpObject(uuid);
    Map<String, String> meta = S3Server.metadata(admin, BUCKET, object);
    assertThat(meta)
        .containsEntry("namespace", NS)
        .containsEntry("pod", "web")
        .containsEntry("pod-uid", uid("web"))
        .containsEntry("container", "app")
        .containsEntry("image", ContainerdHarness.NODE_IMAGE)
        .containsEntry("image-digest", harness.imageDigest(ContainerdHarness.NODE_IMAGE))
        .containsEntry("container-id", web.id())
        .containsEntry("signal", "0")
        .containsEntry("truncated", "false")
        .containsEntry("name", s.dump());
    JsonNode info = sidecar(object);
    assertThat(info.path("snapshot").path("method").asText()).isEqualTo("fork");
    assertThat(info.path("snapshot").path("freeze_micros").asLong()).isEqualTo(s.freezeMicros());
    assertThat(info.path("pod").path("node").asText()).isEqualTo(NODE);
    assertThat(info.path("pod").path("labels").path("app").asText()).isEqualTo("web");
    assertThat(info.path("process").path("host_pid").asLong()).isEqualTo(web.pid());
    assertThat(info.path("scrub").path("complete").asBoolean()).as("scrubbed").isTrue();
    Map<String, byte[]> zip = zipEntries(object);
    assertThat(new String(zip.get("container.log"), StandardCharsets.UTF_8))
        .as("the container's own output, as for a crash")
        .contains("beat ")
        .doesNotContain(" stdout F ");
    assertThat(zip.keySet()).anyMatch(e -> e.endsWith(".core.zst"));

    CoreDump resource =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> apiClient.resources(CoreDump.class).inNamespace(NS).withName(uuid).get(),
                Objects::nonNull);
    assertThat(resource.getSpec().pod().uid()).isEqualTo(uid("web"));
    Event event =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> events(PodEvents.SNAPSHOT), l -> !l.isEmpty())
            .get(0);
    assertThat(event.getType()).isEqualTo("Normal");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(uid("web"));
    assertThat(event.getMessage()).contains(s.dump());
    assertThat(events(PodEvents.CORE_DUMPED)).as("a snapshot is not a crash").isEmpty();
    assertThat(agent.metric("coroner_snapshots_total{outcome=\"succeeded\",reason=\"none\"}"))
        .isEqualTo(1);
    assertThat(agent.metric("coroner_snapshot_freeze_seconds_count")).isEqualTo(1);
  }

  @Test
  @Order(2)
  void aPodThatIsNotThereOrOnAnotherNodeFailsWithItsReason() throws Exception {
    apiPod("away", "node-2", null, Map.of());
    request("ghost", NODE, CoreDumpSnapshotSpec.onDemand("ghost", null, null, null));
    request("away", NODE, CoreDumpSnapshotSpec.onDemand("away", null, null, null));

    CoreDumpSnapshotStatus ghost = awaitDone("ghost", Duration.ofSeconds(60));
    assertThat(ghost.reason()).isEqualTo(CoreDumpSnapshotStatus.NO_SUCH_POD);
    assertThat(ghost.exitCode()).isEqualTo(3);
    assertThat(ghost.message()).contains("No pod ghost in namespace team-a");
    CoreDumpSnapshotStatus away = awaitDone("away", Duration.ofSeconds(60));
    assertThat(away.reason()).isEqualTo(CoreDumpSnapshotStatus.NOT_THIS_NODE);
    assertThat(away.exitCode()).isEqualTo(2);
    assertThat(away.message()).contains("runs on node node-2");
  }

  @Test
  @Order(3)
  void aContainerThatHasExitedIsNoSuchContainer() throws Exception {
    // The runtime knows it exited; the pod's status (kubelet's, a moment late) still says running.
    Container gone =
        runningContainer("gone", Map.of(), List.of("/usr/bin/node", "-e", "console.log('bye')"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> harness.state(gone) == dev.coroner.agent.cri.api.ContainerState.CONTAINER_EXITED);
    request("gone", NODE, CoreDumpSnapshotSpec.onDemand("gone", null, null, null));

    CoreDumpSnapshotStatus s = awaitDone("gone", Duration.ofSeconds(60));
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.NO_SUCH_CONTAINER);
    assertThat(s.exitCode()).isEqualTo(3);
    assertThat(s.message()).contains("container app of pod team-a/gone has exited");
  }

  @Test
  @Order(4)
  void aProcessAnotherTracerHoldsIsRefusedAndLeftAsItWas() throws Exception {
    Container held = runningContainer("held", Map.of(), List.of("/usr/bin/node", "-e", HEARTBEAT));
    Process strace =
        new ProcessBuilder("strace", "-q", "-o", "/dev/null", "-p", Long.toString(held.pid()))
            .redirectErrorStream(true)
            .start();
    tracers.add(strace);
    await().atMost(Duration.ofSeconds(30)).until(() -> tracerPid(held.pid()) == strace.pid());
    request("held", NODE, CoreDumpSnapshotSpec.onDemand("held", null, null, null));

    CoreDumpSnapshotStatus s = awaitDone("held", Duration.ofSeconds(60));
    assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.PTRACE_REFUSED);
    assertThat(s.exitCode()).isEqualTo(9);
    assertThat(s.pid()).isEqualTo(held.pid());
    assertThat(s.message()).contains("already traced by process " + strace.pid() + " (strace)");
    assertThat(tracerPid(held.pid()))
        .as("strace still holds it, nobody else")
        .isEqualTo(strace.pid());
    strace.destroyForcibly();
    strace.waitFor(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> tracerPid(held.pid()) == 0);
    assertThat(agent.metric("coroner_snapshots_total{outcome=\"failed\",reason=\"PtraceRefused\"}"))
        .isEqualTo(1);
    assertThat(tracerPid(web.pid())).isZero();
  }

  @Test
  @Order(5)
  void anAgentOnJava17StartsAndFailsRequestsAsUnsupported() throws Exception {
    AgentProcess old = startAgent("node-17", "dumps-17", JAVA_17);
    try {
      apiPod("old", "node-17", "ab".repeat(32), Map.of());
      request("old", "node-17", CoreDumpSnapshotSpec.onDemand("old", null, null, null));

      CoreDumpSnapshotStatus s = awaitDone("old", Duration.ofSeconds(60));
      assertThat(s.reason()).isEqualTo(CoreDumpSnapshotStatus.UNSUPPORTED);
      assertThat(s.exitCode()).isEqualTo(2);
      assertThat(s.node()).isEqualTo("node-17");
      assertThat(s.message())
          .contains("The agent on node node-17 cannot take snapshots")
          .contains("Java 22 or newer (this is Java 17)");
      assertThat(old.logged("they fail (Unsupported)")).isTrue();
    } finally {
      old.close();
    }
  }

  @Test
  @Order(6)
  void theCliSnapshotsAPodThroughTheAgentAndNamesTheCoreDumpAndHowToOpenIt() throws Exception {
    Container c =
        runningContainer(
            "cli-web", Map.of("app", "cli-web"), List.of("/usr/bin/node", "-e", HEARTBEAT));
    long beatsBefore = beats(c);

    Run run = cli("snapshot", "cli-web", "-n", NS, "--store", "k8s", "--timeout", "240s");

    assertThat(run.code()).as(run.err()).isZero();
    Matcher named = Pattern.compile("CoreDump (\\S+)").matcher(run.out());
    assertThat(named.find()).as(run.out()).isTrue();
    String uuid = named.group(1);
    String where = " --store k8s -n " + NS;
    assertThat(run.out())
        .contains("Snapshot of " + NS + "/cli-web (container app): CoreDump " + uuid)
        .contains("coroner debug " + uuid + where)
        .contains("coroner info " + uuid + where);
    assertThat(run.err())
        .contains("Pod " + NS + "/cli-web runs on node " + NODE)
        .contains("waiting for coroner's agent on node " + NODE);

    // The request the CLI created, as the agent finished it.
    CoreDumpSnapshot request =
        apiClient.resources(CoreDumpSnapshot.class).inNamespace(NS).list().getItems().stream()
            .filter(r -> "cli-web".equals(r.getSpec().pod()))
            .findFirst()
            .orElseThrow();
    assertThat(request.getStatus().phase()).isEqualTo(CoreDumpSnapshotStatus.SUCCEEDED);
    assertThat(request.getStatus().coreDump()).isEqualTo(uuid);
    assertThat(request.getStatus().pid()).isEqualTo(c.pid());

    S3Object object = dumpObject(uuid);
    assertThat(S3Server.metadata(admin, BUCKET, object))
        .containsEntry("namespace", NS)
        .containsEntry("pod", "cli-web")
        .containsEntry("pod-uid", uid("cli-web"))
        .containsEntry("container", "app")
        .containsEntry("container-id", c.id())
        .containsEntry("signal", "0");
    JsonNode info = sidecar(object);
    assertThat(info.path("snapshot").path("method").asText()).as("a snapshot").isEqualTo("fork");
    assertThat(info.path("snapshot").path("freeze_micros").asLong()).isPositive();
    assertThat(info.path("process").path("host_pid").asLong()).isEqualTo(c.pid());

    assertThat(Files.exists(Path.of("/proc", Long.toString(c.pid())))).isTrue();
    assertThat(tracerPid(c.pid())).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> beats(c) > beatsBefore + 20);
  }

  @Test
  @Order(7)
  void theCliSaysAContainerThatHasExitedIsNotFoundAndWhatToDo() throws Exception {
    // Exited in the runtime; its pod's status (kubelet's, a moment late) still says running.
    Container gone =
        runningContainer(
            "cli-gone", Map.of(), List.of("/usr/bin/node", "-e", "console.log('bye')"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> harness.state(gone) == dev.coroner.agent.cri.api.ContainerState.CONTAINER_EXITED);

    Run run = cli("snapshot", "cli-gone", "-n", NS, "--store", "k8s", "--timeout", "120s");

    assertThat(run.code()).as(run.err()).isEqualTo(3);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("the agent on node " + NODE + " could not snapshot " + NS + "/cli-gone")
        .contains("NoSuchContainer")
        .contains("has exited")
        .contains("'kubectl get pod -n " + NS + " -o wide' shows the pod's state")
        .doesNotContain("Exception");
  }

  @Test
  @Order(8)
  void theMemoryTriggerOfAWholeAgentAsksForASnapshotAndTheAgentCarriesItOut() throws Exception {
    String node = "node-mem";
    AgentProcess triggered =
        startAgent(
            node,
            "dumps-mem",
            Path.of(System.getProperty("java.home")),
            Map.of(
                "CORONER_SNAPSHOT_TRIGGERS_ENABLED", "true",
                "CORONER_SNAPSHOT_TRIGGERS_MEMORY_PERCENT", "50",
                "CORONER_SNAPSHOT_TRIGGERS_INTERVAL", "1s"));
    try {
      // Only this pod opts in (its annotation); it holds 64 MiB and says when it does.
      Container hungry =
          runningContainer(
              "hungry",
              node,
              Map.of("coroner.dev/snapshot-on", "memory"),
              Map.of("app", "hungry"),
              List.of(
                  "/usr/bin/node",
                  "-e",
                  "const b = Buffer.alloc(64 << 20, 1); console.log('ready');"
                      + " setInterval(() => b[0]++, 1000);"
                      + " process.on('SIGTERM', () => process.exit(0));"));
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> Files.readString(hungry.logPath()).contains(" ready\n"));
      assertThat(snapshotsOf("hungry")).as("nothing fires below a limit").isEmpty();

      // A limit as kubelet sets one, the working set at about 70% of it (the trigger: 50%),
      // with room left for the pages the snapshot's copy-on-write child makes the process copy.
      Path memory = memoryCgroup(hungry.pid());
      long limit = (workingSet(memory) * 100 / 70 + 4095) / 4096 * 4096;
      Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(limit));

      CoreDumpSnapshot request =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> snapshotsOf("hungry"), l -> !l.isEmpty())
              .get(0);
      assertThat(request.getSpec().trigger()).isEqualTo("memory");
      assertThat(request.getSpec().container()).isEqualTo("app");
      assertThat(request.getSpec().reason()).startsWith("memory ");
      assertThat(request.getMetadata().getLabels())
          .containsEntry(CoronerApi.LABEL_NODE, CoronerApi.labelValue(node));

      CoreDumpSnapshotStatus s =
          awaitDone(request.getMetadata().getName(), Duration.ofSeconds(240));
      assertThat(s.phase()).as(s.message()).isEqualTo(CoreDumpSnapshotStatus.SUCCEEDED);
      assertThat(s.node()).isEqualTo(node);
      assertThat(s.pid()).isEqualTo(hungry.pid());
      S3Object object = dumpObject(Objects.requireNonNull(s.coreDump()));
      assertThat(S3Server.metadata(admin, BUCKET, object))
          .containsEntry("pod", "hungry")
          .containsEntry("pod-uid", uid("hungry"))
          .containsEntry("signal", "0");
      assertThat(sidecar(object).path("snapshot").path("method").asText()).isEqualTo("fork");

      Event fired =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> events(PodEvents.SNAPSHOT_TRIGGERED), l -> !l.isEmpty())
              .get(0);
      assertThat(fired.getInvolvedObject().getUid()).isEqualTo(uid("hungry"));
      assertThat(fired.getMessage()).contains("memory");
      assertThat(
              triggered.metric(
                  "coroner_snapshot_triggers_total{outcome=\"requested\",trigger=\"memory\"}"))
          .isEqualTo(1);
      assertThat(snapshotsOf("hungry")).as("fired once: the workload's window").hasSize(1);
      assertThat(Files.exists(Path.of("/proc", Long.toString(hungry.pid())))).isTrue();
      System.out.printf("memory trigger in a whole agent: %s%n", request.getSpec().reason());
    } finally {
      triggered.log().stream()
          .filter(l -> l.contains("\"WARN\"") || l.contains("\"ERROR\""))
          .forEach(l -> System.out.println("agent " + node + ": " + l));
      triggered.close();
    }
  }

  /** What the real CLI printed and its exit code, run in this JVM as a user would run it. */
  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--kubeconfig", tmp.resolve("kubeconfig").toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        dev.coroner.cli.Main.run(
            all.toArray(String[]::new),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            Map.of("HOME", tmp.resolve("home").toString()));
    return new Run(code, out.toString(), err.toString());
  }

  /** The CoreDumpSnapshots of {@code pod}, whoever created them. */
  private static List<CoreDumpSnapshot> snapshotsOf(String pod) {
    return apiClient.resources(CoreDumpSnapshot.class).inNamespace(NS).list().getItems().stream()
        .filter(r -> pod.equals(r.getSpec().pod()))
        .toList();
  }

  /** The zip in the bucket whose metadata names dump {@code uuid}. */
  private static S3Object dumpObject(String uuid) {
    return S3Server.objects(admin, BUCKET, NS + "/").stream()
        .filter(o -> o.key().endsWith(".zip"))
        .filter(o -> uuid.equals(S3Server.metadata(admin, BUCKET, o).get("uuid")))
        .findFirst()
        .orElseThrow();
  }

  /** The cgroup v1 memory directory of {@code pid} (the harness's containerd: cgroupfs). */
  private static Path memoryCgroup(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
      String[] f = line.split(":", 3);
      if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
        return Path.of("/sys/fs/cgroup/memory" + f[2]);
      }
    }
    throw new IllegalStateException("no memory cgroup for pid " + pid);
  }

  /** Usage less the inactive page cache, as kubelet and the trigger count it. */
  private static long workingSet(Path memory) throws IOException {
    long usage = Long.parseLong(Files.readString(memory.resolve("memory.usage_in_bytes")).trim());
    long inactive = 0;
    for (String line : Files.readAllLines(memory.resolve("memory.stat"))) {
      if (line.startsWith("total_inactive_file ")) {
        inactive = Long.parseLong(line.substring("total_inactive_file ".length()).trim());
      }
    }
    return usage - inactive;
  }

  /** A pod in the API and its container running in containerd, with the same UID. */
  private static Container runningContainer(
      String name, Map<String, String> labels, List<String> command) throws Exception {
    return runningContainer(name, NODE, Map.of(), labels, command);
  }

  /** As above, on {@code node}, the Pod object annotated with {@code annotations}. */
  private static Container runningContainer(
      String name,
      String node,
      Map<String, String> annotations,
      Map<String, String> labels,
      List<String> command)
      throws Exception {
    String uid = apiPod(name, node, null, labels);
    if (!annotations.isEmpty()) {
      var unused =
          apiClient
              .pods()
              .inNamespace(NS)
              .withName(name)
              .edit(
                  p -> {
                    p.getMetadata().setAnnotations(annotations);
                    return p;
                  });
    }
    var pod = harness.runPod(NS, name, labels, Map.of(), uid);
    Container c =
        harness.runContainer(
            pod, new ContainerSpec("app", ContainerdHarness.NODE_IMAGE, command, Map.of(), 0));
    // As kubelet reports a running container, with the runtime's ID.
    Pod p = apiClient.pods().inNamespace(NS).withName(name).get();
    p.getStatus().setPhase("Running");
    p.getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName("app")
                    .withImage(ContainerdHarness.NODE_IMAGE)
                    .withContainerID("containerd://" + c.id())
                    .withNewState()
                    .withNewRunning()
                    .withStartedAt(Instant.now().toString())
                    .endRunning()
                    .endState()
                    .build()));
    apiClient.pods().inNamespace(NS).resource(p).updateStatus();
    return c;
  }

  /**
   * The Pod object on {@code node} with one container {@code app}, running as {@code containerId}
   * says (null: no status yet); returns the UID the API gave it.
   */
  private static String apiPod(
      String name, String node, String containerId, Map<String, String> labels) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .addNewContainer()
            .withName("app")
            .withImage(ContainerdHarness.NODE_IMAGE)
            .endContainer()
            .endSpec()
            .withNewStatus()
            .endStatus();
    if (containerId != null) {
      pod.editStatus()
          .addNewContainerStatus()
          .withName("app")
          .withContainerID("containerd://" + containerId)
          .withNewState()
          .withNewRunning()
          .endRunning()
          .endState()
          .endContainerStatus()
          .endStatus();
    }
    return apiClient.pods().inNamespace(NS).resource(pod.build()).create().getMetadata().getUid();
  }

  private static String uid(String pod) {
    return apiClient.pods().inNamespace(NS).withName(pod).get().getMetadata().getUid();
  }

  private static void request(String name, String node, CoreDumpSnapshotSpec spec) {
    CoreDumpSnapshot s = new CoreDumpSnapshot();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withLabels(Map.of(CoronerApi.LABEL_NODE, CoronerApi.labelValue(node)))
            .build());
    s.setSpec(spec);
    apiClient.resource(s).create();
  }

  private static CoreDumpSnapshotStatus awaitDone(String name, Duration limit) {
    return await()
        .atMost(limit)
        .until(
            () -> {
              CoreDumpSnapshot s =
                  apiClient.resources(CoreDumpSnapshot.class).inNamespace(NS).withName(name).get();
              return s == null ? null : s.getStatus();
            },
            st -> st != null && st.done());
  }

  private static long tracerPid(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("TracerPid:")) {
        return Long.parseLong(line.substring("TracerPid:".length()).trim());
      }
    }
    throw new IllegalStateException("no TracerPid in /proc/" + pid + "/status");
  }

  /** Heartbeat lines the container has printed so far (its CRI log). */
  private static long beats(Container c) throws IOException {
    try (var lines = Files.lines(c.logPath())) {
      return lines.filter(l -> l.contains(" beat ")).count();
    }
  }

  private static List<Event> events(String reason) {
    return apiClient.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  private static JsonNode sidecar(S3Object zip) throws Exception {
    String key = "~coroner/info/" + zip.key().replaceFirst("\\.zip$", ".json");
    return JSON.readTree(admin.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray());
  }

  private static Map<String, byte[]> zipEntries(S3Object zip) throws Exception {
    byte[] bytes = admin.getObjectAsBytes(g -> g.bucket(BUCKET).key(zip.key())).asByteArray();
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }
}
