package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.config.AgentConfig;
import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.dump.DumpInfo;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.store.archive.DumpArchive;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Who crashed, end to end on real parts: a real containerd (the harness plays kubelet), the example
 * app crashing on the real kernel inside containers, the composer the agent installed asking the
 * agent over its socket, the agent asking containerd over CRI, and the dumps reaching a real S3
 * server (s3proxy). Covers pod identity across namespaces, the opt-out label, flood control, a
 * runtime that cannot be reached, and an agent that never answers. The kernel settings, pods and
 * containerd are restored or removed whatever happens.
 *
 * <p>Kubernetes' API server cannot run on this machine, so the Events the agent posts go to
 * fabric8's mock server in CRUD mode, for that one boundary; the agent reaches it through a
 * kubeconfig, as it would reach a real cluster.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnableKubernetesMockClient(crud = true, https = false)
class AgentCriIT {
  static KubernetesMockServer api;
  static KubernetesClient apiClient;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FLOOD_MAX = 2;
  private static final String CRASH = "/app/crashing-nodejs-app/index.js";

  private static KernelSettings saved;
  private static Path tmp;
  private static ContainerdHarness harness;
  private static S3Server s3;
  private static S3Client admin;
  private static AgentProcess agent;
  private final List<Pod> pods = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    saved = KernelSettings.read(InstallOptions.PROC_SYS);
    tmp = Files.createTempDirectory(Path.of("/tmp"), "cri-e2e");
    harness = ContainerdHarness.start();
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket("crashes"));
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
    agent = startAgent(harness.socket().toString());
  }

  private static AgentProcess startAgent(String criSocket) throws Exception {
    AgentProcess a =
        AgentProcess.start(
            s3,
            tmp.resolve("dumps"),
            "crashes",
            Map.of(
                "CORONER_INSTALL",
                "true",
                "CORONER_PREFIX",
                tmp.resolve("p").toString(),
                "CORONER_CRI_SOCKET",
                criSocket,
                "CORONER_NODE_NAME",
                "node-1",
                "CORONER_FLOOD_MAX_CORES",
                Integer.toString(FLOOD_MAX),
                "CORONER_LOG_TAIL_LINES",
                "50",
                // What these tests check is the identity, not the pipe composer's deadline: on a
                // loaded 2-core machine the answer has come after 1 s (a clean-clone CI run lost
                // container.log that way). The receiver asks before the first byte instead.
                "CORONER_IDENTITY_TIMEOUT",
                "5s",
                "KUBECONFIG",
                tmp.resolve("kubeconfig").toString()));
    assertThat(a.ready()).as(String.join("\n", a.log())).isTrue();
    return a;
  }

  @AfterEach
  void removePods() {
    pods.forEach(harness::removePod);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (agent != null) {
        // On a failure, what the agent complained about is the first thing to read.
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
    } finally {
      if (saved != null && !KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
        saved.write(InstallOptions.PROC_SYS);
      }
      new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void samePodNameInTwoNamespacesGetsTheRightIdentity() throws Exception {
    Container a = crashIn("team-a", "web", Map.of("app", "web"), 0);
    Container b = crashIn("team-b", "web", Map.of("app", "web"), 3);

    for (Container c : List.of(a, b)) {
      S3Object object = awaitObject(c.pod().namespace() + "/");
      Map<String, String> meta = meta(object);
      assertThat(meta)
          .containsEntry("namespace", c.pod().namespace())
          .containsEntry("pod", "web")
          .containsEntry("pod-uid", c.pod().uid())
          .containsEntry("container", "app")
          .containsEntry("image", ContainerdHarness.NODE_IMAGE)
          .containsEntry("image-digest", harness.imageDigest(ContainerdHarness.NODE_IMAGE))
          .containsEntry("container-id", c.id())
          .containsEntry("truncated", "false");
      JsonNode pod = sidecar(object).get("pod");
      assertThat(pod.get("node").asText()).isEqualTo("node-1");
      assertThat(pod.get("restart_count").asInt()).isEqualTo(c == a ? 0 : 3);
      assertThat(pod.get("labels").get("app").asText()).isEqualTo("web");
      Map<String, byte[]> zip = zipEntries(object);
      assertThat(new String(zip.get("container.log"), StandardCharsets.UTF_8))
          .as("the container's own output, CRI prefixes removed")
          .contains("{} hello world")
          .doesNotContain(" stdout F ");
      assertThat(zip.keySet()).anyMatch(e -> e.endsWith(".core.zst"));
      Event dumped =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> events(c.pod().namespace(), "CoreDumped"), l -> !l.isEmpty())
              .get(0);
      assertThat(dumped.getInvolvedObject().getUid()).isEqualTo(c.pod().uid());
      assertThat(dumped.getInvolvedObject().getName()).isEqualTo("web");
      assertThat(dumped.getMessage())
          .contains("node")
          .contains("SIGTRAP")
          .contains(meta.get("name"));
    }
  }

  @Test
  @Order(2)
  void anOptedOutPodKeepsNoCore() throws Exception {
    double before = skipped("policy");
    Container c = crashIn("team-a", "private", Map.of("coroner.dev/capture", "false"), 0);
    await().atMost(Duration.ofSeconds(60)).until(() -> skipped("policy") == before + 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> exited(c));
    assertThat(agent.log()).anyMatch(l -> l.contains("opted out with coroner.dev/capture=false"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                events("team-a", "CoreDumpSkipped").stream()
                    .anyMatch(
                        e ->
                            e.getInvolvedObject().getName().equals("private")
                                && e.getMessage().contains("opted out")));
    // Had the composer written anything, the agent would upload it within these seconds.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(20))
        .until(() -> dumpsOf(c).isEmpty() && localDumps().isEmpty());
  }

  @Test
  @Order(3)
  void aCrashLoopKeepsOnlyFloodMaxCores() throws Exception {
    int crashes = 20;
    double before = skipped("flood");
    Pod pod = harness.runPod("team-c", "looper", Map.of(), Map.of());
    pods.add(pod);
    // One container whose app crashes 20 times in a row: one workload, 20 real kernel crashes.
    String loop =
        "const {spawnSync} = require('child_process');"
            + "for (let i = 0; i < "
            + crashes
            + "; i++) { console.log('crash ' + i); spawnSync('/usr/bin/node', ['--abort-on-uncaught-exception', '"
            + CRASH
            + "']); }";
    harness.runContainer(
        pod,
        new ContainerSpec(
            "app",
            ContainerdHarness.NODE_IMAGE,
            List.of("/usr/bin/node", "-e", loop),
            Map.of(),
            0));
    await()
        .atMost(Duration.ofSeconds(240))
        .until(
            () ->
                objects("team-c/").stream().filter(o -> o.key().endsWith(".zip")).count()
                    == crashes);
    assertThat(skipped("flood")).isEqualTo(before + crashes - FLOOD_MAX);
    int withCore = 0;
    int metadataOnly = 0;
    for (S3Object o : objects("team-c/")) {
      if (!o.key().endsWith(".zip")) {
        continue;
      }
      Map<String, String> meta = meta(o);
      assertThat(meta).containsEntry("pod", "looper");
      if ("false".equals(meta.get("truncated"))) {
        withCore++;
      } else {
        metadataOnly++;
        assertThat(meta.get("truncated-cause")).isEqualTo("flood");
        assertThat(meta.get("truncated-reason")).startsWith("flood: team-c/pod/looper/app");
        assertThat(zipEntries(o).keySet())
            .contains("container.log")
            .noneMatch(e -> e.endsWith(".core.zst"));
      }
    }
    assertThat(withCore).isEqualTo(FLOOD_MAX);
    assertThat(metadataOnly).isEqualTo(crashes - FLOOD_MAX);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> events("team-c", "CoreDumpSkipped").size() == crashes - FLOOD_MAX);
    assertThat(events("team-c", "CoreDumpSkipped"))
        .allMatch(e -> e.getMessage().contains("flood: team-c/pod/looper/app already kept 2"));
    assertThat(events("team-c", "CoreDumped")).hasSize(FLOOD_MAX);
  }

  @Test
  @Order(4)
  void anUnreachableRuntimeLosesNothing() throws Exception {
    // The same node, but the agent is told a runtime socket that does not exist.
    agent.close();
    agent = startAgent(tmp.resolve("no-such-runtime.sock").toString());
    Container c = crashIn("team-d", "web", Map.of(), 0);
    S3Object object = awaitObject("unknown/");
    Map<String, String> meta = meta(object);
    assertThat(meta)
        .containsEntry("container-id", c.id())
        .containsEntry("truncated", "false")
        .doesNotContainKey("namespace");
    assertThat(zipEntries(object).keySet()).anyMatch(e -> e.endsWith(".core.zst"));
    assertThat(agent.metric("coroner_identity_lookups_total{result=\"unavailable\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(5)
  void anAgentThatNeverAnswersCostsTheTimeoutAndNothingElse() throws Exception {
    // The agent dies (kill -9: core_pattern stays set) and something holds its socket without
    // ever answering: the composer must give up after its timeout and keep the whole dump.
    agent.kill();
    Path socket = tmp.resolve("p").resolve(AgentConfig.AGENT_SOCKET);
    Files.deleteIfExists(socket);
    try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      silent.bind(UnixDomainSocketAddress.of(socket));
      Container c = crashIn("team-e", "web", Map.of(), 0);
      Path zip =
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () -> localDumps().stream().filter(p -> p.toString().endsWith(".zip")).toList(),
                  l -> !l.isEmpty())
              .get(0);
      try (DumpArchive dump = DumpArchive.open(zip)) {
        DumpInfo info = dump.info();
        assertThat(info.process().containerId()).isEqualTo(c.id());
        assertThat(info.pod()).as("no answer, no pod").isNull();
        assertThat(info.composer().warnings())
            .anyMatch(w -> w.startsWith("pod identity unknown: no answer within 5000 ms"));
        assertThat(info.integrity().truncated()).isFalse();
        assertThat(info.composer().durationMs()).isGreaterThanOrEqualTo(5000);
      }
    }
  }

  private Container crashIn(String ns, String name, Map<String, String> labels, int restarts)
      throws Exception {
    Pod pod = harness.runPod(ns, name, labels, Map.of());
    pods.add(pod);
    return harness.runContainer(
        pod,
        new ContainerSpec(
            "app",
            ContainerdHarness.NODE_IMAGE,
            List.of("/usr/bin/node", "--abort-on-uncaught-exception", CRASH),
            Map.of(),
            restarts));
  }

  private S3Object awaitObject(String prefix) {
    return await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> objects(prefix).stream().filter(o -> o.key().endsWith(".zip")).findFirst(),
            o -> o.isPresent())
        .orElseThrow();
  }

  private static List<Event> events(String namespace, String reason) {
    return apiClient.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  private static Map<String, String> meta(S3Object o) {
    return S3Server.metadata(admin, "crashes", o);
  }

  private static List<S3Object> objects(String prefix) {
    return S3Server.objects(admin, "crashes", prefix);
  }

  private static JsonNode sidecar(S3Object zip) throws Exception {
    // The store keeps the full dump-info under ~coroner/info/, where listings stop.
    String key = "~coroner/info/" + zip.key().replaceFirst("\\.zip$", ".json");
    return JSON.readTree(admin.getObjectAsBytes(g -> g.bucket("crashes").key(key)).asByteArray());
  }

  private static Map<String, byte[]> zipEntries(S3Object zip) throws Exception {
    byte[] bytes = admin.getObjectAsBytes(g -> g.bucket("crashes").key(zip.key())).asByteArray();
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  private static double skipped(String reason) {
    return agent.metric("coroner_cores_skipped_total{reason=\"" + reason + "\"}");
  }

  private static boolean exited(Container c) {
    return !Files.exists(Path.of("/proc", Long.toString(c.pid())));
  }

  /** Objects in the bucket whose dump came from container {@code c}. */
  private static List<S3Object> dumpsOf(Container c) {
    return objects("").stream()
        .filter(o -> o.key().endsWith(".zip"))
        .filter(o -> c.id().equals(meta(o).get("container-id")))
        .toList();
  }

  private static List<Path> localDumps() throws Exception {
    try (var files = Files.list(tmp.resolve("dumps"))) {
      return files.filter(p -> p.getFileName().toString().contains(".zip")).toList();
    }
  }
}
