package dev.coroner.agent.cri;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.cri.api.ContainerConfig;
import dev.coroner.agent.cri.api.ContainerState;
import dev.coroner.agent.cri.api.ContainerStatusRequest;
import dev.coroner.agent.cri.api.CreateContainerRequest;
import dev.coroner.agent.cri.api.ExecSyncRequest;
import dev.coroner.agent.cri.api.ExecSyncResponse;
import dev.coroner.agent.cri.api.ImageSpec;
import dev.coroner.agent.cri.api.KeyValue;
import dev.coroner.agent.cri.api.LinuxContainerConfig;
import dev.coroner.agent.cri.api.LinuxContainerSecurityContext;
import dev.coroner.agent.cri.api.LinuxPodSandboxConfig;
import dev.coroner.agent.cri.api.LinuxSandboxSecurityContext;
import dev.coroner.agent.cri.api.Mount;
import dev.coroner.agent.cri.api.NamespaceMode;
import dev.coroner.agent.cri.api.NamespaceOption;
import dev.coroner.agent.cri.api.PodSandboxConfig;
import dev.coroner.agent.cri.api.PodSandboxMetadata;
import dev.coroner.agent.cri.api.RunPodSandboxRequest;
import dev.coroner.agent.cri.api.RuntimeServiceGrpc;
import dev.coroner.agent.cri.api.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.coroner.agent.cri.api.StartContainerRequest;
import dev.coroner.agent.cri.api.StopContainerRequest;
import dev.coroner.agent.cri.api.VersionRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * A real containerd for tests, and a stand-in for kubelet in front of it. It runs containerd with a
 * private config and state under a scratch directory, imports locally built images, and runs pods
 * and containers over CRI with the labels, annotations and log paths kubelet would set. {@link
 * #close()} removes every sandbox and container, stops containerd, and leaves no process, mount,
 * cgroup or file behind; it fails if anything is left.
 */
public final class ContainerdHarness implements AutoCloseable {
  public static final String PAUSE_IMAGE = ImageTarballs.PAUSE;
  public static final String NODE_IMAGE = ImageTarballs.NODE;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path scratch;
  private final Path socket;
  private final HarnessCleanup cleanup;
  private final Map<String, PodSandboxConfig> sandboxes = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private Process containerd;
  private CriChannel channel;

  /**
   * A pod sandbox the harness ran; a privileged one shares the node's network and PID namespace,
   * like a node agent's DaemonSet pod ({@code hostNetwork}, {@code hostPID}, {@code privileged}).
   */
  public record Pod(
      String id,
      String namespace,
      String name,
      String uid,
      Path logDirectory,
      boolean privileged) {}

  /** What to run in a pod, as kubelet knows it from the pod spec and its restart count. */
  public record ContainerSpec(
      String name, String image, List<String> command, Map<String, String> env, int restartCount) {
    public ContainerSpec {
      command = List.copyOf(command);
      env = Map.copyOf(env);
    }
  }

  /** A started container: its 64-hex ID, host PID (0 if it exited at once), log file and pod. */
  public record Container(String id, String name, long pid, Path logPath, Pod pod) {}

  /** What a command run in a container with {@link #exec} printed, and its exit code. */
  public record ExecResult(int exitCode, String stdout, String stderr) {}

  private ContainerdHarness(Path scratch) {
    this.scratch = scratch;
    this.socket = scratch.resolve("containerd.sock");
    this.cleanup = new HarnessCleanup(scratch, socket);
  }

  /**
   * Starts containerd (installing the Debian packages if they are missing) and imports the pause
   * and node images; the image tarballs are built once and cached under {@code target/}.
   */
  public static ContainerdHarness start() throws IOException {
    ensureInstalled();
    ImageTarballs images = new ImageTarballs(Path.of("target", "cri-images").toAbsolutePath());
    Path pause = images.pause();
    Path node = images.node();
    // Short: runc and the shim put sockets under it, and unix socket paths end at 108 bytes.
    ContainerdHarness h = new ContainerdHarness(Files.createTempDirectory("coroner-cri-"));
    try {
      h.boot();
      h.importImage(pause, PAUSE_IMAGE);
      h.importImage(node, NODE_IMAGE);
      return h;
    } catch (IOException | RuntimeException | Error e) {
      h.close();
      throw e;
    }
  }

  private static void ensureInstalled() {
    if (Commands.onPath("containerd") && Commands.onPath("runc") && Commands.onPath("ctr")) {
      return;
    }
    // bin/setup installs them; a developer who skipped it gets them here (~25 s).
    Commands.run(
        "sh",
        "-c",
        "apt-get install -y -qq containerd runc >/dev/null 2>&1 || "
            + "(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            + "containerd runc)");
  }

  private void boot() throws IOException {
    Runtime.getRuntime().addShutdownHook(cleanup.hook(this::close));
    Path config = scratch.resolve("config.toml");
    Files.writeString(config, config());
    Files.createDirectories(scratch.resolve("cni/net.d"));
    long start = System.nanoTime();
    ProcessBuilder pb =
        new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(scratch.resolve("containerd.log").toFile());
    // The shim finds runc on the PATH it inherits.
    pb.environment()
        .merge(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            (a, b) -> a + ":" + b);
    containerd = pb.start();
    cleanup.containerd(containerd);
    channel = CriChannel.open(socket);
    try {
      await()
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(50))
          .failFast("containerd exited", () -> !containerd.isAlive())
          .ignoreExceptions()
          .until(
              () ->
                  !runtime()
                      .version(VersionRequest.getDefaultInstance())
                      .getRuntimeName()
                      .isEmpty());
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      throw new IllegalStateException(
          "containerd did not answer CRI on " + socket + "; its log:\n" + containerdLog(), e);
    }
    System.out.printf(
        "containerd %s answers CRI after %d ms%n",
        runtime().version(VersionRequest.getDefaultInstance()).getRuntimeVersion(),
        (System.nanoTime() - start) / 1_000_000);
  }

  private String config() {
    String s = scratch.toString();
    return """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        [grpc]
          address = "%1$s/containerd.sock"
        [ttrpc]
          address = "%1$s/containerd.sock.ttrpc"
        [plugins]
          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "%2$s"
            # Needed on these machines: without CAP_SYS_RESOURCE in the bounding set runc cannot
            # set oom_score_adj below the runtime's own.
            restrict_oom_score_adj = true
            [plugins."io.containerd.grpc.v1.cri".containerd]
              snapshotter = "overlayfs"
              default_runtime_name = "runc"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  SystemdCgroup = false
                  Root = "%1$s/runc"
            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "/usr/lib/cni"
              conf_dir = "%1$s/cni/net.d"
          [plugins."io.containerd.internal.v1.opt"]
            path = "%1$s/opt"
        """
        .formatted(s, PAUSE_IMAGE);
  }

  /**
   * Imports an image tarball (docker-archive or OCI layout) under {@code image}'s repository, as a
   * pull would have stored it.
   */
  public void importImage(Path tarball, String image) {
    long start = System.nanoTime();
    String base = image.substring(0, image.lastIndexOf(':'));
    // --digests adds the name@sha256 reference a pull would record, so CRI reports a repo digest.
    ctr("images", "import", "--base-name", base, "--digests", tarball.toString());
    System.out.printf("imported %s in %d ms%n", image, (System.nanoTime() - start) / 1_000_000);
  }

  /** The manifest digest ({@code sha256:...}) containerd recorded for {@code image}. */
  public String imageDigest(String image) {
    for (String line : ctr("images", "ls").split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length > 2 && cols[0].equals(image)) {
        return cols[2];
      }
    }
    throw new IllegalStateException("containerd has no image " + image);
  }

  private String ctr(String... args) {
    String[] command = new String[args.length + 5];
    System.arraycopy(
        new String[] {"ctr", "--address", socket.toString(), "-n", "k8s.io"}, 0, command, 0, 5);
    System.arraycopy(args, 0, command, 5, args.length);
    return Commands.run(command);
  }

  /** The runtime's CRI socket. */
  public Path socket() {
    return socket;
  }

  /** The scratch directory that holds containerd's state, the pod logs and nothing else. */
  public Path scratch() {
    return scratch;
  }

  /**
   * Runs a pod sandbox on the node's network with a pod PID namespace (so the app is not PID 1), in
   * its own pod cgroup; kubelet's {@code io.kubernetes.pod.*} labels are added to {@code labels}.
   * The pod gets a fresh UID.
   */
  public Pod runPod(
      String namespace, String name, Map<String, String> labels, Map<String, String> annotations)
      throws IOException {
    return runPod(namespace, name, labels, annotations, false, UUID.randomUUID().toString());
  }

  /**
   * {@link #runPod(String, String, Map, Map)} with the UID the API server gave the pod (a test that
   * also holds the pod in a mock API server, which chooses UIDs itself).
   */
  public Pod runPod(
      String namespace,
      String name,
      Map<String, String> labels,
      Map<String, String> annotations,
      String uid)
      throws IOException {
    return runPod(namespace, name, labels, annotations, false, uid);
  }

  /**
   * Runs a privileged pod sandbox on the node's network and PID namespace: what the agent's
   * DaemonSet pod gets. Its containers are privileged and see the host's processes.
   */
  public Pod runHostPod(String namespace, String name) throws IOException {
    return runPod(namespace, name, Map.of(), Map.of(), true, UUID.randomUUID().toString());
  }

  private Pod runPod(
      String namespace,
      String name,
      Map<String, String> labels,
      Map<String, String> annotations,
      boolean privileged,
      String uid)
      throws IOException {
    Path logDirectory =
        Files.createDirectories(
            scratch.resolve("pods").resolve(namespace + "_" + name + "_" + uid));
    PodSandboxConfig config =
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder().setName(name).setNamespace(namespace).setUid(uid))
            .setLogDirectory(logDirectory.toString())
            .putAllLabels(labels)
            .putLabels("io.kubernetes.pod.name", name)
            .putLabels("io.kubernetes.pod.namespace", namespace)
            .putLabels("io.kubernetes.pod.uid", uid)
            .putAllAnnotations(annotations)
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .setCgroupParent(cleanup.podCgroup(uid))
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .setPrivileged(privileged)
                            .setNamespaceOptions(namespaces(privileged))))
            .build();
    String id =
        runtime()
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
            .getPodSandboxId();
    sandboxes.put(id, config);
    return new Pod(id, namespace, name, uid, logDirectory, privileged);
  }

  /**
   * Creates and starts a container in {@code pod} with kubelet's labels, its restart-count
   * annotation and its log path ({@code NAME/RESTARTS.log} in the pod's log directory); waits until
   * the process runs and returns its host PID.
   */
  public Container runContainer(Pod pod, ContainerSpec spec) throws IOException {
    return runContainer(pod, spec, Volumes.NONE);
  }

  /**
   * {@link #runContainer(Pod, ContainerSpec)} with host paths bound in and, if asked, a read-only
   * root. An empty command runs the image's own entrypoint and arguments. In a privileged pod the
   * container is privileged and in the node's PID namespace.
   */
  public Container runContainer(Pod pod, ContainerSpec spec, Volumes volumes) throws IOException {
    Files.createDirectories(pod.logDirectory().resolve(spec.name()));
    ContainerConfig.Builder config =
        ContainerConfig.newBuilder()
            .setMetadata(
                dev.coroner.agent.cri.api.ContainerMetadata.newBuilder()
                    .setName(spec.name())
                    .setAttempt(spec.restartCount()))
            .setImage(
                ImageSpec.newBuilder().setImage(spec.image()).setUserSpecifiedImage(spec.image()))
            .addAllCommand(spec.command())
            .putLabels("io.kubernetes.container.name", spec.name())
            .putLabels("io.kubernetes.pod.name", pod.name())
            .putLabels("io.kubernetes.pod.namespace", pod.namespace())
            .putLabels("io.kubernetes.pod.uid", pod.uid())
            .putAnnotations(CriClient.RESTART_COUNT, Integer.toString(spec.restartCount()))
            .setLogPath(spec.name() + "/" + spec.restartCount() + ".log")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setPrivileged(pod.privileged())
                            .setReadonlyRootfs(volumes.readOnlyRoot())
                            .setNamespaceOptions(namespaces(pod.privileged()))));
    for (Volumes.Mount m : volumes.mounts()) {
      config.addMounts(
          Mount.newBuilder()
              .setHostPath(m.hostPath().toString())
              .setContainerPath(m.containerPath())
              .setReadonly(m.readOnly()));
    }
    spec.env().forEach((k, v) -> config.addEnvs(KeyValue.newBuilder().setKey(k).setValue(v)));
    String id =
        runtime()
            .createContainer(
                CreateContainerRequest.newBuilder()
                    .setPodSandboxId(pod.id())
                    .setConfig(config)
                    .setSandboxConfig(sandboxes.get(pod.id()))
                    .build())
            .getContainerId();
    runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    // A short-lived container may be gone before its PID is seen: then it has none.
    long pid =
        await()
            .atMost(30, TimeUnit.SECONDS)
            .until(
                () -> {
                  long p = pid(id);
                  return p > 0 || state(id) == ContainerState.CONTAINER_EXITED ? p : -1;
                },
                p -> p >= 0);
    Path log = pod.logDirectory().resolve(spec.name() + "/" + spec.restartCount() + ".log");
    return new Container(id, spec.name(), pid, log, pod);
  }

  /** The container's state as the runtime reports it. */
  public ContainerState state(Container container) {
    return state(container.id());
  }

  private ContainerState state(String containerId) {
    return runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
        .getStatus()
        .getState();
  }

  /** The exit code of a container that has exited. */
  public int exitCode(Container container) {
    return runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(container.id()).build())
        .getStatus()
        .getExitCode();
  }

  /**
   * Stops the container as kubelet does when a pod goes: SIGTERM, then SIGKILL after {@code grace};
   * returns once it has stopped.
   */
  public void stop(Container container, Duration grace) {
    RuntimeServiceGrpc.newBlockingStub(channel.channel())
        .withDeadlineAfter(grace.toSeconds() + 30, TimeUnit.SECONDS)
        .stopContainer(
            StopContainerRequest.newBuilder()
                .setContainerId(container.id())
                .setTimeout(grace.toSeconds())
                .build());
  }

  /** Runs {@code command} in the running container, as a probe or a preStop exec hook does. */
  public ExecResult exec(Container container, Duration timeout, String... command) {
    ExecSyncResponse r =
        RuntimeServiceGrpc.newBlockingStub(channel.channel())
            .withDeadlineAfter(timeout.toSeconds() + 10, TimeUnit.SECONDS)
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(container.id())
                    .addAllCmd(List.of(command))
                    .setTimeout(timeout.toSeconds())
                    .build());
    return new ExecResult(
        r.getExitCode(),
        r.getStdout().toString(StandardCharsets.UTF_8),
        r.getStderr().toString(StandardCharsets.UTF_8));
  }

  private long pid(String containerId) throws IOException {
    var response =
        runtime()
            .containerStatus(
                ContainerStatusRequest.newBuilder()
                    .setContainerId(containerId)
                    .setVerbose(true)
                    .build());
    return JSON.readTree(response.getInfoOrDefault("info", "{}")).path("pid").asLong();
  }

  /** Stops and removes {@code pod} with its containers, as kubelet does when a pod is deleted. */
  public void removePod(Pod pod) {
    cleanup.removeSandbox(runtime(), pod.id());
    sandboxes.remove(pod.id());
  }

  private static NamespaceOption namespaces(boolean hostPid) {
    // NODE network needs no CNI plugin; POD pid keeps the app off PID 1, as in a real pod.
    return NamespaceOption.newBuilder()
        .setNetwork(NamespaceMode.NODE)
        .setPid(hostPid ? NamespaceMode.NODE : NamespaceMode.POD)
        .build();
  }

  private RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private String containerdLog() {
    try {
      return Files.readString(scratch.resolve("containerd.log"));
    } catch (IOException e) {
      return "(no containerd.log: " + e + ")";
    }
  }

  /**
   * Removes every sandbox and container over CRI, stops containerd, then kills what outlived it,
   * unmounts everything under the scratch directory, removes the pod cgroups in every hierarchy and
   * deletes the scratch directory. Throws if anything is still there afterwards.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Map<String, Throwable> errors = new LinkedHashMap<>();
    cleanup.step(errors, "find shims", cleanup::noteShims);
    if (channel != null && containerd != null && containerd.isAlive()) {
      cleanup.step(errors, "remove pods", () -> cleanup.removeAll(runtime()));
    }
    if (channel != null) {
      cleanup.step(errors, "close channel", channel::close);
    }
    cleanup.finish(errors);
  }
}
