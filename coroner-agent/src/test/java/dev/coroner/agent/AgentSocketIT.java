package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.agent.receiver.AgentReceiver;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.testkit.KernelLock;
import java.io.ByteArrayInputStream;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The agent hosting the coredump socket receiver (CORONER_CORE_HANDLER=socket), end to end on real
 * parts: the agent as its own process on this host's kernel, a real containerd (the harness plays
 * kubelet), the example app crashing inside a container, the dumps reaching s3proxy. While the
 * agent runs, core_pattern is its socket and a crash under a CPU burner lands with the pod and
 * {@code container.log}; after kill -9 of the agent its pipe watchdog puts the pipe pattern back
 * (the gap is measured and printed) and the next crash lands through the pipe composer; the next
 * agent takes its own stale socket pattern over; SIGTERM puts the pipe pattern back exactly, or,
 * with CORONER_RESTORE_ON_STOP, the settings from before the install. No Kubernetes API is
 * configured: the identity comes from containerd alone. The kernel settings, pods, burners and
 * containerd are restored or removed whatever happens.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentSocketIT {
  private static final String CRASH = "/app/crashing-nodejs-app/index.js";

  private static KernelLock lock;
  private static KernelSettings saved;
  private static Path tmp;
  private static ContainerdHarness harness;
  private static S3Server s3;
  private static S3Client admin;
  private static AgentProcess agent;
  private final List<Pod> pods = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        Runtime.version().feature() >= 22, "the receiver's FFM classes need Java 22+");
    Assumptions.assumeTrue(
        Files.readString(Path.of("/proc/sys/kernel/core_modes")).contains("socket"),
        "this kernel has no coredump socket mode");
    lock = KernelLock.acquire();
    saved = KernelSettings.read(InstallOptions.PROC_SYS);
    tmp = Files.createTempDirectory(Path.of("/tmp"), "agent-socket");
    harness = ContainerdHarness.start();
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket("crashes"));
  }

  private static AgentProcess startAgent(Map<String, String> extra) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("CORONER_CORE_HANDLER", "socket");
    env.put("CORONER_INSTALL", "true");
    env.put("CORONER_PREFIX", prefix().toString());
    env.put("CORONER_CRI_SOCKET", harness.socket().toString());
    env.put("CORONER_NODE_NAME", "node-1");
    env.put("CORONER_IDENTITY_TIMEOUT", "5s");
    env.put("CORONER_ANALYSIS", "false");
    env.put("KUBECONFIG", tmp.resolve("no-kubeconfig").toString());
    env.putAll(extra);
    AgentProcess a = AgentProcess.start(s3, tmp.resolve("dumps"), "crashes", env);
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
      try {
        if (saved != null && !KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
          saved.write(InstallOptions.PROC_SYS);
        }
        if (tmp != null) {
          new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
        }
      } finally {
        if (lock != null) {
          lock.close();
        }
      }
    }
  }

  @Test
  @Order(1)
  void aContainerCrashUnderLoadLandsThroughTheSocketWithItsPod() throws Exception {
    agent = startAgent(Map.of("CORONER_READ_AHEAD_MIB", "16"));
    assertThat(agent.log()).anyMatch(l -> l.contains("read-ahead 16 MiB"));
    assertThat(pattern()).isEqualTo(socketPattern());
    assertThat(agent.metric("coroner_core_handler{handler=\"socket\"}")).isEqualTo(1);
    assertThat(agent.metric("coroner_core_handler{handler=\"pipe\"}")).isZero();
    List<Process> burners = burnCpus();
    Container c;
    try {
      c = crashIn("team-a", "web");
      S3Object object = awaitObject("team-a/", 1);
      Map<String, String> meta = S3Server.metadata(admin, "crashes", object);
      assertThat(meta)
          .containsEntry("namespace", "team-a")
          .containsEntry("pod", "web")
          .containsEntry("container", "app")
          .containsEntry("container-id", c.id())
          .containsEntry("truncated", "false");
      Map<String, byte[]> zip = zipEntries(object);
      assertThat(new String(zip.get("container.log"), StandardCharsets.UTF_8))
          .contains("hello world");
      assertThat(zip.keySet()).anyMatch(e -> e.endsWith(".core.zst"));
    } finally {
      burners.forEach(Process::destroyForcibly);
      for (Process p : burners) {
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertThat(receiverLog())
        .as("captured by the receiver in the agent")
        .contains("crash: pid " + c.pid() + " ")
        .contains("via the coredump socket")
        .as("the core (a few MiB) fits the read-ahead: read whole before it was hashed")
        .contains("MiB of it read ahead); the process is released");
    assertThat(agent.metric("coroner_receiver_connections_total{result=\"accepted\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(2)
  void afterKillMinus9ThePipeIsBackAtOnceAndTheNextCrashLandsThroughTheComposer() throws Exception {
    assertThat(pattern()).isEqualTo(socketPattern());
    long killed = System.nanoTime();
    ProcessHandle.of(agent.pid()).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> pattern().equals(pipePattern()));
    long gapMicros = (System.nanoTime() - killed) / 1_000;
    System.out.printf(
        "kill -9 of the agent: the pipe pattern was back after %.1f ms%n", gapMicros / 1000.0);
    agent.kill();
    assertThat(gapMicros).as("the gap without a handler").isLessThan(1_000_000);
    Container c = crashIn("team-b", "web");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> localDumps().stream().anyMatch(p -> p.toString().endsWith(".zip")));
    assertThat(Files.readString(prefix().resolve("composer.log")))
        .as("captured by the pipe composer")
        .contains("crash: pid " + c.pid() + " ");
    assertThat(receiverLog()).contains("pipe watchdog: the agent (pid " + agent.pid() + ")");
    // The next agent takes the kernel back and uploads what the composer kept meanwhile.
    agent = startAgent(Map.of());
    assertThat(pattern()).isEqualTo(socketPattern());
    await().atMost(Duration.ofSeconds(60)).until(() -> localDumps().isEmpty());
  }

  @Test
  @Order(3)
  void theNextAgentTakesItsOwnStaleSocketPatternOver() throws Exception {
    // Agent and watchdog both gone (as if the node lost them together): the stale socket pattern
    // stays, and no core can be had until the next agent starts.
    ProcessHandle process = ProcessHandle.of(agent.pid()).orElseThrow();
    List<ProcessHandle> watchdogs =
        process.children().filter(p -> p.info().command().orElse("").endsWith("sh")).toList();
    assertThat(watchdogs).as("the agent's pipe watchdog").hasSize(1);
    ProcessHandle watchdog = watchdogs.get(0);
    // Stopped first, so that neither it nor the agent (which replaces the pipe when its
    // watchdog dies) can react; then both killed.
    assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(watchdog.pid())).start().waitFor())
        .isZero();
    agent.kill();
    watchdog.destroyForcibly();
    await().atMost(Duration.ofSeconds(10)).until(() -> !watchdog.isAlive());
    assertThat(pattern()).isEqualTo(socketPattern());
    agent = startAgent(Map.of());
    assertThat(pattern()).isEqualTo(socketPattern());
    Container c = crashIn("team-c", "web");
    S3Object object = awaitObject("team-c/", 1);
    assertThat(S3Server.metadata(admin, "crashes", object)).containsEntry("container-id", c.id());
    assertThat(receiverLog()).contains("crash: pid " + c.pid() + " ");
  }

  @Test
  @Order(4)
  void sigtermPutsThePipePatternBackExactly() throws Exception {
    agent.close();
    agent = startAgent(Map.of("CORONER_RESTORE_ON_STOP", "false"));
    assertThat(pattern()).isEqualTo(socketPattern());
    agent.stop();
    assertThat(pattern()).isEqualTo(pipePattern());
    // With the restore on stop (the default), SIGTERM leaves the kernel as it was before.
    agent = startAgent(Map.of());
    assertThat(pattern()).isEqualTo(socketPattern());
    agent.stop();
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);
  }

  /** One busy process per core, so that the crash and the triage compete for the CPU. */
  private static List<Process> burnCpus() throws Exception {
    List<Process> burners = new ArrayList<>();
    for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
      burners.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
    }
    return burners;
  }

  private Container crashIn(String ns, String name) throws Exception {
    Pod pod = harness.runPod(ns, name, Map.of("app", name), Map.of());
    pods.add(pod);
    return harness.runContainer(
        pod,
        new ContainerSpec(
            "app",
            ContainerdHarness.NODE_IMAGE,
            List.of("/usr/bin/node", "--abort-on-uncaught-exception", CRASH),
            Map.of(),
            0));
  }

  private static S3Object awaitObject(String prefix, int count) {
    return await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                S3Server.objects(admin, "crashes", prefix).stream()
                    .filter(o -> o.key().endsWith(".zip"))
                    .toList(),
            l -> l.size() >= count)
        .get(0);
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

  private static List<Path> localDumps() throws Exception {
    Path dir = tmp.resolve("dumps");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().contains(".zip")).toList();
    }
  }

  private static String receiverLog() throws Exception {
    return Files.readString(prefix().resolve(AgentReceiver.LOG_FILE));
  }

  private static Path prefix() {
    return tmp.resolve("p");
  }

  private static String pattern() throws Exception {
    return KernelSettings.read(InstallOptions.PROC_SYS).corePattern();
  }

  private static String socketPattern() {
    return "@@" + AgentReceiver.socket(prefix());
  }

  private static String pipePattern() {
    return "|" + prefix().resolve("composer") + " %P %p %I %i %s %t %h %e %E %c %u %g %F";
  }
}
