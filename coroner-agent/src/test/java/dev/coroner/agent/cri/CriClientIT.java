package dev.coroner.agent.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.agent.cri.api.ContainerState;
import dev.coroner.capture.proc.ContainerIds;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CriClient against a real containerd, with the harness playing kubelet: pods with the same name in
 * two namespaces, lookups from the PID's cgroup as the composer does them, while the process runs
 * and after it exited; and a runtime that is missing, silent, or does not know the container.
 */
class CriClientIT {
  private static final Path HOST = Path.of("/");
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final String LONG = "x".repeat(40000);

  private static ContainerdHarness harness;

  private final List<Pod> pods = new ArrayList<>();

  @TempDir Path tmp;

  @BeforeAll
  static void startContainerd() throws IOException {
    harness = ContainerdHarness.start();
  }

  @AfterAll
  static void stopContainerd() {
    if (harness != null) {
      harness.close();
    }
  }

  @AfterEach
  void removePods() {
    pods.forEach(harness::removePod);
  }

  @Test
  void samePodNameInTwoNamespaces() throws Exception {
    Container a = runApp("team-a", "web", 0);
    Container b = runApp("team-b", "web", 2);
    awaitLog(a, "team-a ready");
    awaitLog(b, "team-b ready");

    ContainerMetadata ma = lookupByPid(a);
    ContainerMetadata mb = lookupByPid(b);

    assertIdentity(ma, a, "team-a", 0);
    assertIdentity(mb, b, "team-b", 2);
    assertThat(ma.podUid()).isNotEqualTo(mb.podUid());
    assertThat(ma.logTail())
        .containsExactlyInAnyOrder(
            "team-a line 1",
            "team-a line 2",
            "team-a line 3",
            "team-a line 4",
            "team-a line 5",
            "team-a warning on stderr",
            "team-a long " + LONG + " end",
            "team-a ready");
    // The long line reached the log as P entries, and comes back whole.
    assertThat(Files.readString(a.logPath())).contains(" stdout P ");
    assertThat(mb.logTail()).endsWith("team-b long " + LONG + " end", "team-b ready");
    try (CriClient client = CriClient.open(harness.socket(), HOST)) {
      assertThat(client.lookup(a.id(), 2, TIMEOUT).logTail())
          .containsExactly("team-a long " + LONG + " end", "team-a ready");
    }
  }

  @Test
  void lookupAfterTheProcessExited() throws Exception {
    Container c = runApp("team-a", "batch", 1);
    awaitLog(c, "team-a ready");
    String id = containerIdOf(c.pid());

    Commands.run("kill", "-USR2", Long.toString(c.pid()));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> harness.state(c) == ContainerState.CONTAINER_EXITED);

    try (CriClient client = CriClient.open(harness.socket(), HOST)) {
      ContainerMetadata md = client.lookup(id, 3, TIMEOUT);
      assertIdentity(md, c, "team-a", 1);
      assertThat(md.podName()).isEqualTo("batch");
      assertThat(md.logTail())
          .containsExactly("team-a long " + LONG + " end", "team-a ready", "team-a bye");
    }
  }

  @Test
  void readsTheSocketAndLogsUnderAHostRoot() throws Exception {
    Container c = runApp("team-b", "web", 0);
    awaitLog(c, "team-b ready");
    // The agent sees the host under a mount; a link to the scratch's top directory plays it.
    Path top = harness.scratch().getRoot().resolve(harness.scratch().getName(0));
    Path link = Files.createSymbolicLink(tmp.resolve(top.getFileName()), top);
    try {
      Path socket = CriSockets.find(tmp, Optional.of(harness.socket().toString()));
      assertThat(socket).startsWithRaw(tmp);
      try (CriClient client = CriClient.open(socket, tmp)) {
        ContainerMetadata md = client.lookup(c.id(), 1, TIMEOUT);
        assertThat(md.logPath()).isEqualTo(c.logPath().toString());
        assertThat(md.logTail()).containsExactly("team-b ready");
      }
    } finally {
      Files.delete(link);
    }
  }

  @Test
  void firstLookupInAFreshJvm() throws Exception {
    Container c = runApp("team-a", "web", 0);
    awaitLog(c, "team-a ready");
    try (CriClient client = CriClient.open(harness.socket(), HOST)) {
      assertThat(client.version(TIMEOUT)).startsWith("containerd ").endsWith("(CRI v1)");
    }

    // Class loading (gRPC, Netty, protobuf) is most of a first lookup: measure it as the agent
    // pays it, in a JVM of its own with the agent's flags.
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-Xmx128m"));
    if (Runtime.version().feature() >= 23) {
      // Netty loads a native library and protobuf uses sun.misc.Unsafe: said once, on stderr.
      cmd.addAll(
          List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    }
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            ColdLookup.class.getName(),
            harness.socket().toString(),
            c.id()));
    String out = Commands.run(cmd.toArray(String[]::new));
    System.out.print("CRI lookup in a fresh JVM: " + out);
    assertThat(out).startsWith("team-a/web first ");
  }

  @Test
  void unknownContainer() {
    try (CriClient client = CriClient.open(harness.socket(), HOST)) {
      assertThatThrownBy(() -> client.lookup("0123456789abcdef".repeat(4), 10, TIMEOUT))
          .isInstanceOf(ContainerNotFoundException.class)
          .hasMessageContaining(harness.socket().toString());
    }
  }

  @Test
  void missingSocketFailsAtOnce() {
    Path socket = tmp.resolve("none.sock");
    try (CriClient client = CriClient.open(socket, HOST)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.lookup("abc", 10, TIMEOUT))
          .isInstanceOf(CriUnavailableException.class)
          .hasMessageContaining(socket.toString());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("CRI lookup at a missing socket failed after %d ms%n", took.toMillis());
      assertThat(took).isLessThan(TIMEOUT);
    }
  }

  @Test
  void aRuntimeThatComesBackIsUsedAtOnce() throws Exception {
    // A runtime that died leaves its socket file behind: connections are refused.
    Path socket = tmp.resolve("restarting.sock");
    ServerSocketChannel.open(StandardProtocolFamily.UNIX)
        .bind(UnixDomainSocketAddress.of(socket))
        .close();
    try (CriClient client = CriClient.open(socket, HOST)) {
      assertThatThrownBy(() -> client.version(Duration.ofMillis(300)))
          .isInstanceOf(CriUnavailableException.class)
          .hasMessageContaining("did not answer in time");
      // The runtime is back at the same path, as after a containerd restart.
      Files.delete(socket);
      Files.createSymbolicLink(socket, harness.socket());

      long start = System.nanoTime();
      assertThat(client.version(TIMEOUT)).startsWith("containerd ");
      System.out.printf(
          "CRI version after the runtime came back: %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
    }
  }

  @Test
  void silentSocketFailsWithinTheTimeout() throws IOException {
    Path socket = tmp.resolve("silent.sock");
    Duration timeout = Duration.ofMillis(500);
    // Listening but never answering: the kernel accepts the connection into the backlog.
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        CriClient client = CriClient.open(socket, HOST)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      long start = System.nanoTime();
      assertThatThrownBy(() -> client.lookup("abc", 10, timeout))
          .isInstanceOf(CriUnavailableException.class)
          .hasMessageContaining("did not answer in time");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("CRI lookup at a silent socket failed after %d ms%n", took.toMillis());
      assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusMillis(500));
    }
  }

  private Container runApp(String namespace, String name, int restartCount) throws IOException {
    Pod pod =
        harness.runPod(
            namespace,
            name,
            Map.of("app", name, "team", namespace),
            Map.of("coroner.dev/owner", namespace + "@example.com"));
    pods.add(pod);
    return harness.runContainer(
        pod,
        new ContainerSpec(
            "app",
            ContainerdHarness.NODE_IMAGE,
            List.of("/usr/bin/node", ImageTarballs.APP_DIR + "/talker.js"),
            Map.of("TAG", namespace),
            restartCount));
  }

  private static void awaitLog(Container c, String line) {
    await()
        .atMost(20, TimeUnit.SECONDS)
        .ignoreExceptions()
        .until(() -> Files.readString(c.logPath()).contains(" " + line + "\n"));
  }

  private static String containerIdOf(long pid) throws IOException {
    return ContainerIds.fromCgroup(Files.readString(Path.of("/proc", Long.toString(pid), "cgroup")))
        .orElseThrow();
  }

  /** As the composer does it: PID -> cgroup -> container ID -> CRI; prints the latency. */
  private static ContainerMetadata lookupByPid(Container c) throws Exception {
    String id = containerIdOf(c.pid());
    assertThat(id).isEqualTo(c.id());
    try (CriClient client = CriClient.open(harness.socket(), HOST)) {
      long start = System.nanoTime();
      ContainerMetadata md = client.lookup(id, 500, TIMEOUT);
      long cold = System.nanoTime() - start;
      long[] warm = new long[20];
      for (int i = 0; i < warm.length; i++) {
        start = System.nanoTime();
        client.lookup(id, 500, TIMEOUT);
        warm[i] = System.nanoTime() - start;
      }
      Arrays.sort(warm);
      System.out.printf(
          "CRI lookup %s/%s: first %.1f ms (connects), then median %.1f ms, max %.1f ms%n",
          md.podNamespace(),
          md.podName(),
          cold / 1e6,
          warm[warm.length / 2] / 1e6,
          warm[warm.length - 1] / 1e6);
      return md;
    }
  }

  private static void assertIdentity(
      ContainerMetadata md, Container c, String namespace, int restartCount) {
    assertThat(md.containerId()).isEqualTo(c.id());
    assertThat(md.containerName()).isEqualTo("app");
    assertThat(md.podNamespace()).isEqualTo(namespace).isEqualTo(c.pod().namespace());
    assertThat(md.podName()).isEqualTo(c.pod().name());
    assertThat(md.podUid()).isEqualTo(c.pod().uid());
    assertThat(md.podLabels())
        .containsEntry("team", namespace)
        .containsEntry("io.kubernetes.pod.namespace", namespace)
        .containsEntry("io.kubernetes.pod.uid", md.podUid());
    assertThat(md.podAnnotations()).containsEntry("coroner.dev/owner", namespace + "@example.com");
    assertThat(md.containerLabels()).containsEntry("io.kubernetes.container.name", "app");
    assertThat(md.image()).isEqualTo(ContainerdHarness.NODE_IMAGE);
    String digest = harness.imageDigest(ContainerdHarness.NODE_IMAGE);
    assertThat(md.imageDigest()).isEqualTo(digest);
    assertThat(md.imageRef()).isEqualTo("localhost/coroner-node@" + digest);
    assertThat(md.restartCount()).isEqualTo(restartCount);
    assertThat(md.logPath()).isEqualTo(c.logPath().toString());
    assertThat(md.nodeName()).isNull();
    assertThat(md.withNodeName("node-1").nodeName()).isEqualTo("node-1");
  }
}
