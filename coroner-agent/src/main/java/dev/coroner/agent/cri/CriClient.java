package dev.coroner.agent.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.agent.cri.api.ContainerFilter;
import dev.coroner.agent.cri.api.ContainerState;
import dev.coroner.agent.cri.api.ContainerStatus;
import dev.coroner.agent.cri.api.ContainerStatusRequest;
import dev.coroner.agent.cri.api.ContainerStatusResponse;
import dev.coroner.agent.cri.api.ListContainersRequest;
import dev.coroner.agent.cri.api.PodSandboxStatus;
import dev.coroner.agent.cri.api.PodSandboxStatusRequest;
import dev.coroner.agent.cri.api.PodSandboxStatusResponse;
import dev.coroner.agent.cri.api.RuntimeServiceGrpc;
import dev.coroner.agent.cri.api.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.coroner.agent.cri.api.VersionRequest;
import dev.coroner.agent.cri.api.VersionResponse;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the container runtime, over CRI on its unix socket, who a container is: pod, namespace, uid,
 * image and digest, labels, restart count, and the tail of its log. One event-loop thread and no
 * pool: the agent stays small and looks up one crash at a time.
 */
public final class CriClient implements AutoCloseable {
  /** Kubelet's annotation for a container's restart count; CRI has no field for it. */
  public static final String RESTART_COUNT = "io.kubernetes.container.restartCount";

  private static final Logger log = LoggerFactory.getLogger(CriClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socket;
  private final Path hostRoot;
  private final CriChannel channel;
  private final RuntimeServiceBlockingStub runtime;

  private CriClient(Path socket, Path hostRoot) {
    this.socket = socket;
    this.hostRoot = hostRoot;
    this.channel = CriChannel.open(socket);
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel.channel());
  }

  /**
   * A client for the runtime at {@code socket} (as the agent sees it). The runtime's host paths,
   * such as log files, are read under {@code hostRoot} ({@code /} when the agent runs on the host).
   * Nothing connects until the first lookup.
   */
  public static CriClient open(Path socket, Path hostRoot) {
    return new CriClient(socket, hostRoot);
  }

  /** The socket this client talks to. */
  public Path socket() {
    return socket;
  }

  /**
   * The runtime's name and version, e.g. {@code containerd 1.7.27 (CRI v1)}: a cheap call that
   * checks the socket and warms the client up before the first crash needs it.
   *
   * @throws CriUnavailableException the runtime did not answer within the timeout
   */
  public String version(Duration timeout) throws CriException {
    VersionResponse v =
        call("version", deadline(timeout), rt -> rt.version(VersionRequest.getDefaultInstance()));
    return v.getRuntimeName()
        + " "
        + v.getRuntimeVersion()
        + " (CRI "
        + v.getRuntimeApiVersion()
        + ")";
  }

  /**
   * Everything the runtime knows about container {@code containerId} (full ID, or a prefix the
   * runtime accepts), with the last {@code logTailLines} lines of its log. Works while the process
   * runs and after it exited, until the container is removed. The RPCs share {@code timeout}.
   *
   * @throws CriUnavailableException the runtime did not answer within the timeout
   * @throws ContainerNotFoundException the runtime has no such container
   */
  public ContainerMetadata lookup(String containerId, int logTailLines, Duration timeout)
      throws CriException {
    Deadline deadline = deadline(timeout);
    ContainerStatusResponse response =
        call(
            "container " + containerId,
            deadline,
            rt ->
                rt.containerStatus(
                    ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .setVerbose(true)
                        .build()));
    ContainerStatus status = response.getStatus();
    JsonNode info = json(response.getInfoMap());
    String sandboxId = info.path("sandboxID").asText("");
    if (sandboxId.isEmpty()) {
      sandboxId = sandboxOf(status.getId(), deadline);
    }
    Pod pod = pod(sandboxId, status, deadline);
    String logPath = logPath(status.getLogPath(), pod);
    return new ContainerMetadata(
        status.getId(),
        status.getMetadata().getName(),
        image(status),
        status.getImageRef(),
        pod.name(),
        pod.namespace(),
        pod.uid(),
        pod.labels(),
        pod.annotations(),
        status.getLabelsMap(),
        restartCount(status.getAnnotationsMap()),
        logTail(logPath, logTailLines),
        logPath,
        null);
  }

  /**
   * Whether container {@code containerId} runs now, its host PID and its cgroup: one verbose {@code
   * ContainerStatus}, whose info has the PID (containerd and CRI-O put it there; CRI has no field
   * for it).
   *
   * @throws CriUnavailableException the runtime did not answer within the timeout
   * @throws ContainerNotFoundException the runtime has no such container
   */
  public ContainerProcess process(String containerId, Duration timeout) throws CriException {
    ContainerStatusResponse response =
        call(
            "container " + containerId,
            deadline(timeout),
            rt ->
                rt.containerStatus(
                    ContainerStatusRequest.newBuilder()
                        .setContainerId(containerId)
                        .setVerbose(true)
                        .build()));
    ContainerStatus status = response.getStatus();
    boolean running = status.getState() == ContainerState.CONTAINER_RUNNING;
    JsonNode info = json(response.getInfoMap());
    long pid = running ? info.path("pid").asLong(0) : 0;
    String cgroupsPath = info.path("runtimeSpec").path("linux").path("cgroupsPath").asText("");
    return new ContainerProcess(
        status.getId(), running, Math.max(0, pid), cgroupsPath.isEmpty() ? null : cgroupsPath);
  }

  private String sandboxOf(String containerId, Deadline deadline) throws CriException {
    // Runtimes that put no sandbox ID in the verbose info still list it with the container.
    var list =
        call(
            "container " + containerId,
            deadline,
            rt ->
                rt.listContainers(
                    ListContainersRequest.newBuilder()
                        .setFilter(ContainerFilter.newBuilder().setId(containerId))
                        .build()));
    return list.getContainersCount() == 0 ? "" : list.getContainers(0).getPodSandboxId();
  }

  private Pod pod(String sandboxId, ContainerStatus container, Deadline deadline)
      throws CriException {
    Map<String, String> labels = container.getLabelsMap();
    Pod fromLabels =
        new Pod(
            // "" when kubelet did not label it, as protobuf reports every absent string.
            labels.getOrDefault("io.kubernetes.pod.name", ""),
            labels.getOrDefault("io.kubernetes.pod.namespace", ""),
            labels.getOrDefault("io.kubernetes.pod.uid", ""),
            Map.of(),
            Map.of(),
            "");
    if (sandboxId.isEmpty()) {
      return fromLabels;
    }
    PodSandboxStatusResponse response;
    try {
      response =
          call(
              "pod sandbox " + sandboxId,
              deadline,
              rt ->
                  rt.podSandboxStatus(
                      PodSandboxStatusRequest.newBuilder()
                          .setPodSandboxId(sandboxId)
                          .setVerbose(true)
                          .build()));
    } catch (ContainerNotFoundException e) {
      // Removed between the two calls: the container's labels (set by kubelet) still say who.
      return fromLabels;
    }
    PodSandboxStatus status = response.getStatus();
    String logDirectory =
        json(response.getInfoMap()).path("config").path("log_directory").asText("");
    return new Pod(
        status.getMetadata().getName(),
        status.getMetadata().getNamespace(),
        status.getMetadata().getUid(),
        status.getLabelsMap(),
        status.getAnnotationsMap(),
        logDirectory);
  }

  private static Deadline deadline(Duration timeout) {
    return Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> T call(String what, Deadline deadline, Function<RuntimeServiceBlockingStub, T> rpc)
      throws CriException {
    if (!Files.exists(socket)) {
      throw new CriUnavailableException("No container runtime socket at " + socket + ".");
    }
    if (channel.channel().getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      // After a failure gRPC waits up to two minutes before it reconnects. Crashes are rare and
      // the runtime may be back (restarted): reconnect now.
      channel.channel().resetConnectBackoff();
    }
    try {
      // Wait for a connection until the deadline rather than fail at the first refusal: a runtime
      // that restarts is back within a second or two.
      return rpc.apply(runtime.withDeadline(deadline).withWaitForReady());
    } catch (StatusRuntimeException e) {
      switch (e.getStatus().getCode()) {
        case NOT_FOUND ->
            throw new ContainerNotFoundException(
                "The runtime at " + socket + " has no " + what + ".", e);
        case UNAVAILABLE ->
            throw new CriUnavailableException(
                "The container runtime at " + socket + " is not reachable: " + describe(e), e);
        case DEADLINE_EXCEEDED ->
            throw new CriUnavailableException(
                "The container runtime at " + socket + " did not answer in time: " + describe(e),
                e);
        default ->
            throw new CriException(
                "The container runtime at " + socket + " failed on " + what + ": " + describe(e),
                e);
      }
    }
  }

  private static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    return e.getStatus().getCode() + (description == null ? "" : " (" + description + ")");
  }

  private static JsonNode json(Map<String, String> info) {
    String text = info.get("info");
    if (text == null) {
      return JSON.missingNode();
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  private static String image(ContainerStatus status) {
    String userSpecified = status.getImage().getUserSpecifiedImage();
    return userSpecified.isEmpty() ? status.getImage().getImage() : userSpecified;
  }

  private static int restartCount(Map<String, String> annotations) {
    try {
      return Integer.parseInt(annotations.getOrDefault(RESTART_COUNT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static @Nullable String logPath(String path, Pod pod) {
    if (path.isEmpty()) {
      return null;
    }
    // containerd and CRI-O answer with the full path; the API only promises it relative to the
    // sandbox's log directory.
    if (path.startsWith("/") || pod.logDirectory().isEmpty()) {
      return path;
    }
    return Path.of(pod.logDirectory()).resolve(path).toString();
  }

  /**
   * The last {@code lines} lines of a container's log, read now (no RPC): for metadata looked up
   * earlier, whose log has grown since.
   */
  public List<String> logTail(ContainerMetadata container, int lines) {
    return logTail(container.logPath(), lines);
  }

  private List<String> logTail(@Nullable String logPath, int lines) {
    if (logPath == null || lines <= 0) {
      return List.of();
    }
    Path file = CriSockets.underRoot(hostRoot, logPath);
    try {
      return CriLogTail.read(file, lines);
    } catch (IOException e) {
      // The metadata is worth having without the log.
      log.warn("Cannot read the container log {}: {}", file, e.toString());
      return List.of();
    }
  }

  @Override
  public void close() {
    channel.close();
  }

  /** The pod part of a lookup. */
  private record Pod(
      String name,
      String namespace,
      String uid,
      Map<String, String> labels,
      Map<String, String> annotations,
      String logDirectory) {}
}
