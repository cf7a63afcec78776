package dev.coroner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.cri.ContainerdHarness;
import dev.coroner.agent.cri.ContainerdHarness.Container;
import dev.coroner.agent.cri.ContainerdHarness.ContainerSpec;
import dev.coroner.agent.cri.ContainerdHarness.ExecResult;
import dev.coroner.agent.cri.ContainerdHarness.Pod;
import dev.coroner.agent.cri.Volumes;
import dev.coroner.agent.cri.Volumes.Mount;
import dev.coroner.agent.cri.api.ContainerState;
import dev.coroner.node.InstallOptions;
import dev.coroner.node.KernelSettings;
import dev.coroner.node.NodeSetup;
import dev.coroner.testkit.KernelLock;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The agent image (target/images/coroner-agent.tar, built by Jib at package time) run the way the
 * chart's DaemonSet runs it, in a real containerd: a privileged pod on the node's network and PID
 * namespace, a read-only root, the composer prefix, the dump directory and the runtime's socket
 * bound in at their host paths, the chart's environment, and no command of its own (the image's
 * entrypoint). The agent in the image installs the composer on this machine's kernel; the example
 * app crashes on the host; its dump reaches s3proxy; stopping the container, or the preStop hook,
 * puts the kernel back. Kernel settings, pods, containerd and files are restored or removed
 * whatever happens.
 */
class AgentImageIT {
  private static final Path IMAGE_DIR = Path.of("target", "images").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static KernelLock lock;
  private static KernelSettings saved;
  private static Path tmp;
  private static ContainerdHarness harness;
  private static S3Server s3;
  private static S3Client admin;
  private static String image;
  private final List<Pod> pods = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        Files.exists(IMAGE_DIR.resolve("coroner-agent.tar")),
        "no agent image: build it with ./mvnw -pl coroner-agent -am package (without -DskipImages)");
    image = JSON.readTree(IMAGE_DIR.resolve("coroner-agent.json").toFile()).get("image").asText();
    lock = KernelLock.acquire();
    saved = KernelSettings.read(InstallOptions.PROC_SYS);
    tmp = Files.createTempDirectory(Path.of("/tmp"), "agent-image");
    harness = ContainerdHarness.start();
    long start = System.nanoTime();
    harness.importImage(IMAGE_DIR.resolve("coroner-agent.tar"), image);
    System.out.printf("agent image imported in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    s3 = new S3Server(Files.createDirectory(tmp.resolve("blobs")));
    admin = s3.client();
    admin.createBucket(b -> b.bucket("crashes"));
  }

  @AfterEach
  void removePods() {
    pods.forEach(harness::removePod);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
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
      if (tmp != null) {
        new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(60, TimeUnit.SECONDS);
      }
      if (lock != null) {
        lock.close();
      }
    }
  }

  @Test
  void aCrashOnTheNodeReachesTheBucketAndStoppingTheContainerRestoresTheKernel() throws Exception {
    RunningAgent agent = runAgent("a");
    // images/build.sh gives the agent a Java 22+ runtime of its own (snapshots, FFM) when the
    // build machine has such a JDK, as this one does wherever the snapshot tests run.
    Path exe = Files.readSymbolicLink(Path.of("/proc/" + agent.container().pid() + "/exe"));
    if (Runtime.version().feature() >= 22) {
      assertThat(exe.toString())
          .as("the agent runs on the image's Java 22+ runtime")
          .endsWith("/opt/java-agent/bin/java");
    }
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern())
        .as("the agent in the image installed the composer at the host path")
        .startsWith("|" + agent.prefix().resolve("composer") + " ");

    Process node =
        new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
            .directory(Path.of("..", "examples", "crashing-nodejs-app").toFile())
            .redirectErrorStream(true)
            .start();
    node.getInputStream().readAllBytes();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();

    S3Object object =
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    objects("host/").stream()
                        .filter(o -> o.key().endsWith(".zip"))
                        .filter(o -> Long.toString(node.pid()).equals(meta(o).get("host-pid")))
                        .findFirst(),
                o -> o.isPresent())
            .orElseThrow();
    assertThat(meta(object))
        .containsEntry("exe", "node")
        .containsEntry("signal", "5")
        .containsEntry("truncated", "false");
    // The object is listed once it is written; the local file goes after the HEAD that verifies
    // it and the sidecar, a moment later.
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(agent.dumps())
                    .as("uploaded dumps are gone from the host directory")
                    .isEmpty());

    // kubelet stopping the pod: SIGTERM to the agent, which restores the kernel on its way out.
    harness.stop(agent.container(), Duration.ofSeconds(30));
    assertThat(harness.state(agent.container())).isEqualTo(ContainerState.CONTAINER_EXITED);
    assertThat(harness.exitCode(agent.container())).as("128 + SIGTERM").isEqualTo(143);
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);
    assertThat(Files.readString(agent.container().logPath()))
        .as("the agent's JSON log on stdout, in the container's CRI log")
        .contains("node setup: set kernel settings");
  }

  @Test
  void thePreStopHookRestoresTheKernelWhileTheAgentRuns() throws Exception {
    RunningAgent agent = runAgent("b");
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isNotEqualTo(saved);

    preStop(agent);
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);
    assertThat(agent.prefix().resolve("composer")).doesNotExist();

    harness.stop(agent.container(), Duration.ofSeconds(30));
    assertThat(harness.exitCode(agent.container())).isEqualTo(143);
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);
  }

  /**
   * {@code CORONER_CORE_HANDLER=socket} in the pod, as the chart runs it: hostPID, privileged, and
   * the host's /run/coroner at the same path. The agent is in a mount namespace of its own, so it
   * writes the '@@' pattern from the host's through nsenter; the kernel, which resolves the socket
   * from the host's root, reaches the agent's listener; stopping the container puts the previous
   * settings back exactly.
   */
  @Test
  void theSocketReceiverInThePodTakesAHostCrashAndStoppingRestoresThePattern() throws Exception {
    assumeSocketMode();
    try (PodSocketDir dir = PodSocketDir.make()) {
      RunningAgent agent =
          runAgent(
              "s", Map.of("CORONER_CORE_HANDLER", "socket"), List.of(Mount.samePath(dir.path())));
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + agent.container().pid() + "/ns/mnt")))
          .as("the agent has a mount namespace of its own")
          .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern())
          .isEqualTo("@@" + NodeSetup.POD_SOCKET);
      // The JSON log escapes each '/' as '\/'.
      assertThat(log(agent.container()).replace("\\/", "/"))
          .contains("core_pattern is now '@@/run/coroner/coredump.sock'")
          .contains("core_pattern set from the host's mount namespace (nsenter -t ")
          .contains("/run/coroner is the host's");

      Process node = crashNode();
      S3Object object = awaitHostDump(node);
      assertThat(meta(object))
          .containsEntry("exe", "node")
          .containsEntry("signal", "5")
          .containsEntry("truncated", "false");
      assertThat(get(agent.port(), "/metrics"))
          .contains("coroner_core_handler{handler=\"socket\"} 1.0")
          .contains("coroner_receiver_connections_total{result=\"accepted\"} 1.0");
      assertThat(Files.readString(agent.prefix().resolve("receiver.log")))
          .as("the receiver's capture log, on the host under the prefix")
          .contains("crash: pid " + node.pid() + " ");

      harness.stop(agent.container(), Duration.ofSeconds(30));
      assertThat(harness.exitCode(agent.container())).isEqualTo(143);
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS))
          .as("the previous settings, exactly")
          .isEqualTo(saved);
    }
  }

  /**
   * The chart's preStop ({@code coroner-agent uninstall}) while the pod's receiver holds
   * core_pattern: the node setup counts the pod's socket pattern as its own and restores the saved
   * settings over it; the receiver, stopped next, leaves the restored pattern alone.
   */
  @Test
  void thePreStopHookRestoresTheKernelOverThePodsSocketPattern() throws Exception {
    assumeSocketMode();
    try (PodSocketDir dir = PodSocketDir.make()) {
      RunningAgent agent = preStopOverTheSocket("p", dir);
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);

      harness.stop(agent.container(), Duration.ofSeconds(30));
      assertThat(harness.exitCode(agent.container())).isEqualTo(143);
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS)).isEqualTo(saved);
    }
  }

  /**
   * Another socket handler's {@code @} pattern was there before the agent: the agent saves it at
   * install, and the preStop's uninstall puts it back from the pod through the host's mount
   * namespace (the kernel refuses an {@code @} pattern from the pod's own, EINVAL); the receiver,
   * stopped next, leaves it alone.
   */
  @Test
  void thePreStopHookPutsBackAnotherSocketHandlersPattern() throws Exception {
    assumeSocketMode();
    String foreign = "@/run/coroner-it-other/coredump.sock";
    try (PodSocketDir dir = PodSocketDir.make()) {
      // Nothing listens there: until the test ends, a crash on this machine leaves no core.
      Files.writeString(InstallOptions.PROC_SYS.resolve("kernel/core_pattern"), foreign);
      RunningAgent agent = preStopOverTheSocket("o", dir);
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern()).isEqualTo(foreign);

      harness.stop(agent.container(), Duration.ofSeconds(30));
      assertThat(harness.exitCode(agent.container())).isEqualTo(143);
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern()).isEqualTo(foreign);
    }
  }

  /**
   * Runs the agent in socket mode until its pattern is in force, then the chart's preStop ({@code
   * coroner-agent uninstall}) in its container, which must succeed; the agent still runs.
   */
  private RunningAgent preStopOverTheSocket(String name, PodSocketDir dir) throws Exception {
    RunningAgent agent =
        runAgent(
            name, Map.of("CORONER_CORE_HANDLER", "socket"), List.of(Mount.samePath(dir.path())));
    assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern())
        .isEqualTo("@@" + NodeSetup.POD_SOCKET);
    preStop(agent);
    return agent;
  }

  /** The chart's preStop exec hook in the running container; it must succeed. */
  private void preStop(RunningAgent agent) throws Exception {
    ExecResult uninstall =
        harness.exec(
            agent.container(),
            Duration.ofSeconds(120),
            "/opt/coroner-agent/bin/coroner-agent",
            "uninstall");
    assertThat(uninstall.exitCode()).as(uninstall.stdout() + uninstall.stderr()).isZero();
  }

  /**
   * kill -9 of the agent's JVM in the pod: the pipe watchdog, an sh child in the same container,
   * writes the pipe pattern from the pod's mount namespace (the kernel takes a pipe pattern from
   * any), before the runtime tears the container down.
   */
  @Test
  void killingTheAgentInThePodPutsThePipeBack() throws Exception {
    assumeSocketMode();
    try (PodSocketDir dir = PodSocketDir.make()) {
      RunningAgent agent =
          runAgent(
              "k", Map.of("CORONER_CORE_HANDLER", "socket"), List.of(Mount.samePath(dir.path())));
      assertThat(KernelSettings.read(InstallOptions.PROC_SYS).corePattern())
          .isEqualTo("@@" + NodeSetup.POD_SOCKET);
      long killed = System.nanoTime();
      new ProcessBuilder("kill", "-9", Long.toString(agent.container().pid()))
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      String pipe = "|" + agent.prefix().resolve("composer") + " ";
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> KernelSettings.read(InstallOptions.PROC_SYS).corePattern().startsWith(pipe));
      System.out.printf(
          "kill -9 of the agent in the pod until the pipe pattern was back: %d ms%n",
          (System.nanoTime() - killed) / 1_000_000);
      assertThat(Files.readString(agent.prefix().resolve("receiver.log")))
          .contains("pipe watchdog: the agent (pid ");
    }
  }

  /**
   * The host's {@code /run/coroner} for one test, made as the kubelet's hostPath DirectoryOrCreate
   * does; on close the kernel settings are restored first, then the directory goes if the test made
   * it.
   */
  private record PodSocketDir(Path path, boolean created) implements AutoCloseable {
    static PodSocketDir make() throws IOException {
      Path dir = NodeSetup.POD_SOCKET.getParent();
      boolean created = !Files.exists(dir);
      Files.createDirectories(dir);
      return new PodSocketDir(dir, created);
    }

    @Override
    public void close() throws Exception {
      restoreKernel();
      if (created) {
        new ProcessBuilder("rm", "-rf", path.toString()).start().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void assumeSocketMode() throws IOException {
    assumeTrue(
        Files.readString(Path.of("/proc/sys/kernel/core_modes")).contains("socket"),
        "this kernel has no coredump socket mode (Linux 6.16+)");
  }

  private static void restoreKernel() throws IOException {
    if (!KernelSettings.read(InstallOptions.PROC_SYS).equals(saved)) {
      saved.write(InstallOptions.PROC_SYS);
    }
  }

  private static Process crashNode() throws Exception {
    Process node =
        new ProcessBuilder("node", "--abort-on-uncaught-exception", "index.js")
            .directory(Path.of("..", "examples", "crashing-nodejs-app").toFile())
            .redirectErrorStream(true)
            .start();
    node.getInputStream().readAllBytes();
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return node;
  }

  private static S3Object awaitHostDump(Process node) {
    return await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                objects("host/").stream()
                    .filter(o -> o.key().endsWith(".zip"))
                    .filter(o -> Long.toString(node.pid()).equals(meta(o).get("host-pid")))
                    .findFirst(),
            o -> o.isPresent())
        .orElseThrow();
  }

  /** An agent container in its own pod, with its own host directories, ready. */
  private record RunningAgent(Container container, Path prefix, Path dumpDir, int port) {
    List<Path> dumps() throws IOException {
      try (var files = Files.list(dumpDir)) {
        return files.filter(p -> p.getFileName().toString().contains(".zip")).toList();
      }
    }
  }

  private RunningAgent runAgent(String name) throws Exception {
    return runAgent(name, Map.of(), List.of());
  }

  /** The same, with variables changed or added and more host directories bound in. */
  private RunningAgent runAgent(String name, Map<String, String> env, List<Mount> mounts)
      throws Exception {
    Path prefix = Files.createDirectories(tmp.resolve(name + "/opt/coroner"));
    Path dumps = Files.createDirectories(tmp.resolve(name + "/var/lib/coroner/dumps"));
    Path scratch = Files.createDirectories(tmp.resolve(name + "/emptydir-tmp"));
    int port = freePort();
    Pod pod = harness.runHostPod("coroner", "coroner-" + name);
    pods.add(pod);
    // The DaemonSet's mounts: hostPath volumes at the same paths (the kernel uses them outside
    // any container), the runtime's socket, and an emptyDir for /tmp under a read-only root.
    List<Mount> all =
        new ArrayList<>(
            List.of(
                Mount.samePath(prefix),
                Mount.samePath(dumps),
                Mount.samePath(harness.socket()),
                new Mount(scratch, "/tmp", false)));
    all.addAll(mounts);
    Volumes volumes = new Volumes(all, true);
    Map<String, String> environment = chartEnv(prefix, dumps, port);
    environment.putAll(env);
    Container container =
        harness.runContainer(
            pod, new ContainerSpec("agent", image, List.of(), environment, 0), volumes);
    try {
      await()
          .atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(250))
          .failFast(
              "the agent container exited",
              () -> harness.state(container) == ContainerState.CONTAINER_EXITED)
          .until(() -> get(port, "/readyz").startsWith("ready"));
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError(
          "the agent in the image did not get ready; its log:\n" + log(container), e);
    }
    return new RunningAgent(container, prefix, dumps, port);
  }

  /** The environment charts/coroner sets with its defaults, pointed at this test's parts. */
  private static Map<String, String> chartEnv(Path prefix, Path dumps, int port) {
    Map<String, String> env = new HashMap<>();
    env.put("CORONER_STORE", "s3://crashes");
    env.put("CORONER_S3_REGION", "us-east-1");
    // The pod is on the node's network: the host's loopback is its own.
    env.put("AWS_ENDPOINT_URL_S3", s3.uri().toString());
    env.put("CORONER_S3_KEY", "{namespace}/{name}.zip");
    env.put("CORONER_S3_SSE", "none");
    env.put("CORONER_S3_PART_SIZE", "16M");
    env.put("CORONER_S3_PARALLELISM", "4");
    // In the chart these come from an existing Secret through secretKeyRef.
    env.put("AWS_ACCESS_KEY_ID", S3Server.ACCESS);
    env.put("AWS_SECRET_ACCESS_KEY", S3Server.SECRET);
    env.put("CORONER_INSTALL", "true");
    env.put("CORONER_PREFIX", prefix.toString());
    env.put("CORONER_DUMP_DIR", dumps.toString());
    env.put("CORONER_PROC_SYS", "/proc/sys");
    env.put("CORONER_CRI_SOCKET", harness.socket().toString());
    env.put("CORONER_RESTORE_ON_STOP", "true");
    env.put("CORONER_SWEEP_INTERVAL", "30s");
    env.put("CORONER_RETRY_BASE", "1s");
    env.put("CORONER_RETRY_MAX", "5m");
    env.put("CORONER_METRICS_PORT", Integer.toString(port));
    env.put("CORONER_KEEP_FREE", "1G");
    env.put("CORONER_MAX_USE", "0");
    env.put("CORONER_MAX_CORE_SIZE", "0");
    env.put("CORONER_CAPTURE_MODE", "opt-out");
    env.put("CORONER_FLOOD_MAX_CORES", "3");
    env.put("CORONER_FLOOD_WINDOW", "1h");
    env.put("CORONER_LOG_TAIL_LINES", "500");
    env.put("CORONER_EVENTS", "true");
    env.put("CORONER_NODE_NAME", "node-1");
    env.put("CORONER_POD_NAMESPACE", "coroner");
    env.put("CORONER_CORE_HANDLER", "pipe");
    return env;
  }

  private static String log(Container container) {
    try {
      return Files.readString(container.logPath());
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String get(int port, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static List<S3Object> objects(String prefix) {
    return S3Server.objects(admin, "crashes", prefix);
  }

  private static Map<String, String> meta(S3Object o) {
    return S3Server.metadata(admin, "crashes", o);
  }
}
