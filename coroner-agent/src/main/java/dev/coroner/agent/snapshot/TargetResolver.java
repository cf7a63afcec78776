package dev.coroner.agent.snapshot;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerNotFoundException;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriException;
import dev.coroner.agent.kube.ApiFailures;
import dev.coroner.agent.kube.PodRef;
import dev.coroner.base.text.SafeText;
import dev.coroner.kube.api.CoreDumpSnapshot;
import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import dev.coroner.snapshot.SnapshotMethod;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns a request into the process to snapshot, or into the failure that says why there is none:
 * the spec checked (a pod named, a method and trigger the agent knows), the pod read from the API
 * server, its node checked against this one, the container picked as kubectl picks it, and its
 * process found through the container runtime. Nothing from the request reaches a path or a message
 * unchecked: names must be Kubernetes names, and anything else is quoted through {@link SafeText}.
 */
final class TargetResolver {
  /** kubectl's annotation naming the container it uses when none is given. */
  static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";

  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  // containerd://<64 hex>, cri-o://..., docker://...: the runtime's own ID after the scheme.
  private static final Pattern CONTAINER_ID = Pattern.compile("[a-z0-9-]+://([0-9a-f]{12,64})");
  private static final Set<String> TRIGGERS =
      Set.of(
          CoreDumpSnapshotSpec.ON_DEMAND,
          CoreDumpSnapshotSpec.LIVENESS,
          CoreDumpSnapshotSpec.MEMORY,
          CoreDumpSnapshotSpec.CPU);

  private final KubernetesClient client;
  private final String node;
  private final ContainerRuntime runtime;
  private final String unavailable;

  /**
   * @param node this agent's node
   * @param unavailable why this agent cannot take snapshots ({@code Snapshotter.unavailableReason})
   *     or ""
   */
  TargetResolver(
      KubernetesClient client, String node, ContainerRuntime runtime, String unavailable) {
    this.client = client;
    this.node = node;
    this.runtime = runtime;
    this.unavailable = unavailable;
  }

  /** The spec's pod, checked, or the failure that says what to fix. */
  static SnapshotMethod check(@Nullable CoreDumpSnapshotSpec spec) throws SnapshotFailure {
    if (spec == null || spec.pod() == null || spec.pod().isBlank()) {
      throw invalid("The request names no pod: set spec.pod ('coroner snapshot POD -n NS' does).");
    }
    if (!isName(spec.pod(), SUBDOMAIN, 253)) {
      throw invalid("spec.pod " + quote(spec.pod()) + " is not a pod name.");
    }
    if (spec.container() != null && !isName(spec.container(), LABEL, 63)) {
      throw invalid("spec.container " + quote(spec.container()) + " is not a container name.");
    }
    if (spec.trigger() != null && !TRIGGERS.contains(spec.trigger())) {
      throw invalid(
          "spec.trigger "
              + quote(spec.trigger())
              + " is not one this agent knows: on-demand, liveness, memory or cpu.");
    }
    if (spec.method() == null || spec.method().equals(SnapshotMethod.FORK.id())) {
      return SnapshotMethod.FORK;
    }
    if (spec.method().equals(SnapshotMethod.STOP.id())) {
      return SnapshotMethod.STOP;
    }
    throw invalid("spec.method " + quote(spec.method()) + " must be fork or stop.");
  }

  /** The process {@code request} asks for, on this node. */
  SnapshotTarget resolve(CoreDumpSnapshot request) throws SnapshotFailure {
    SnapshotMethod method = check(request.getSpec());
    CoreDumpSnapshotSpec spec = Objects.requireNonNull(request.getSpec(), "checked");
    String ns = request.getMetadata().getNamespace();
    String name = Objects.requireNonNull(spec.pod(), "checked");
    Pod pod = pod(ns, name);
    PodRef ref = new PodRef(ns, name, pod.getMetadata().getUid());
    String podNode = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (podNode == null || podNode.isEmpty()) {
      throw new SnapshotFailure(
          SnapshotReason.NOT_THIS_NODE,
          "Pod " + ref + " is not scheduled on a node yet; ask again once it runs.");
    }
    if (!podNode.equals(node)) {
      throw new SnapshotFailure(
          SnapshotReason.NOT_THIS_NODE,
          "Pod "
              + ref
              + " runs on node "
              + podNode
              + ", not on "
              + node
              + ", whose agent the request's label coroner.dev/node names; label the request with"
              + " the pod's node ('coroner snapshot' does).");
    }
    try {
      return onNode(spec, method, pod, ref);
    } catch (SnapshotFailure f) {
      throw f.withPod(ref);
    }
  }

  /** The rest, for a pod that runs on this node: every failure is about it. */
  private SnapshotTarget onNode(
      CoreDumpSnapshotSpec spec, SnapshotMethod method, Pod pod, PodRef ref)
      throws SnapshotFailure {
    String container = container(pod, ref, spec.container());
    String id = containerId(pod, ref, container);
    if (!unavailable.isEmpty()) {
      throw new SnapshotFailure(
          SnapshotReason.UNSUPPORTED,
          "The agent on node "
              + node
              + " cannot take snapshots: "
              + SafeText.line(unavailable)
              + ". Run the agent on Java 22 or newer (the agent image's runtime, or JAVA for"
              + " bin/coroner-agent), then ask again.");
    }
    String what = "container " + container + " of pod " + ref;
    ContainerProcess process = process(id, what);
    ContainerMetadata meta = metadata(id, what);
    if (!meta.podUid().isEmpty() && !meta.podUid().equals(ref.uid())) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "The runtime's container "
              + id.substring(0, 12)
              + " belongs to another pod than "
              + ref
              + " (uid "
              + ref.uid()
              + "): the pod's status is stale; ask again in a moment.");
    }
    return new SnapshotTarget(ref, container, Math.toIntExact(process.pid()), method, meta);
  }

  private Pod pod(String ns, String name) throws SnapshotFailure {
    Pod pod;
    try {
      pod = client.pods().inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new SnapshotFailure(
          SnapshotReason.SNAPSHOT_FAILED,
          "The agent on node "
              + node
              + " could not read pod "
              + ns
              + "/"
              + name
              + ": "
              + ApiFailures.describe(e)
              + ". Check that its ClusterRole grants pods: get, then ask again.");
    }
    if (pod == null) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_POD,
          "No pod "
              + name
              + " in namespace "
              + ns
              + "; 'kubectl get pods -n "
              + ns
              + "' lists the pods there.");
    }
    return pod;
  }

  /** The container asked for, else kubectl's default container, else the first. */
  private static String container(Pod pod, PodRef ref, @Nullable String asked)
      throws SnapshotFailure {
    List<Container> containers = pod.getSpec().getContainers();
    List<String> names = containers.stream().map(Container::getName).toList();
    String name = asked;
    if (name == null) {
      Map<String, String> annotations = pod.getMetadata().getAnnotations();
      String preferred = annotations == null ? null : annotations.get(DEFAULT_CONTAINER);
      name = preferred != null && names.contains(preferred) ? preferred : null;
    }
    if (name == null && !names.isEmpty()) {
      name = names.get(0);
    }
    if (name == null || !names.contains(name)) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "Pod "
              + ref
              + " has no container "
              + (name == null ? "" : name + " ")
              + "(its containers: "
              + (names.isEmpty() ? "none" : String.join(", ", names))
              + "); name one in spec.container ('coroner snapshot POD -c NAME').");
    }
    return name;
  }

  /** The runtime's ID of the running container, from the pod's status. */
  private static String containerId(Pod pod, PodRef ref, String container) throws SnapshotFailure {
    List<ContainerStatus> statuses =
        pod.getStatus() == null ? List.of() : pod.getStatus().getContainerStatuses();
    ContainerStatus status =
        statuses.stream().filter(s -> container.equals(s.getName())).findFirst().orElse(null);
    ContainerState state = status == null ? null : status.getState();
    if (status == null || state == null || state.getRunning() == null) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "Container "
              + container
              + " of pod "
              + ref
              + " is not running"
              + stateOf(state)
              + "; a snapshot needs its process running. Ask again once it runs.");
    }
    var m = CONTAINER_ID.matcher(status.getContainerID() == null ? "" : status.getContainerID());
    if (!m.matches()) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "Container "
              + container
              + " of pod "
              + ref
              + " has no runtime container ID in its status yet; ask again in a moment.");
    }
    return m.group(1);
  }

  private static String stateOf(@Nullable ContainerState state) {
    if (state != null && state.getWaiting() != null && state.getWaiting().getReason() != null) {
      return " (waiting: " + SafeText.line(state.getWaiting().getReason()) + ")";
    }
    if (state != null
        && state.getTerminated() != null
        && state.getTerminated().getReason() != null) {
      return " (terminated: " + SafeText.line(state.getTerminated().getReason()) + ")";
    }
    return "";
  }

  private ContainerProcess process(String id, String what) throws SnapshotFailure {
    ContainerProcess p;
    try {
      p = runtime.process(id);
    } catch (ContainerNotFoundException e) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "The container runtime on node "
              + node
              + " has no container "
              + id.substring(0, 12)
              + " ("
              + what
              + "): it was removed; ask again once the pod runs it.");
    } catch (CriException e) {
      throw runtimeFailure(e, what);
    }
    if (!p.running()) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "The "
              + what
              + " has exited (the runtime says so; the pod's status does not show it yet); a"
              + " snapshot needs its process running. Ask again once it runs.");
    }
    if (p.pid() <= 0 || p.pid() > Integer.MAX_VALUE) {
      throw new SnapshotFailure(
          SnapshotReason.SNAPSHOT_FAILED,
          "The container runtime on node "
              + node
              + " gives no PID for the "
              + what
              + "; snapshots need a runtime that reports it (containerd, CRI-O).");
    }
    return p;
  }

  private ContainerMetadata metadata(String id, String what) throws SnapshotFailure {
    try {
      return runtime.metadata(id);
    } catch (ContainerNotFoundException e) {
      throw new SnapshotFailure(
          SnapshotReason.NO_SUCH_CONTAINER,
          "The " + what + " was removed meanwhile; ask again once the pod runs it.");
    } catch (CriException e) {
      throw runtimeFailure(e, what);
    }
  }

  private SnapshotFailure runtimeFailure(CriException e, String what) {
    return new SnapshotFailure(
        SnapshotReason.SNAPSHOT_FAILED,
        "Could not ask the container runtime on node "
            + node
            + " about the "
            + what
            + ": "
            + SafeText.line(e.getMessage())
            + " Check the agent's CORONER_CRI_SOCKET (chart: node.runtime.socket), then ask"
            + " again.");
  }

  private static boolean isName(String s, Pattern p, int max) {
    return s.length() <= max && p.matcher(s).matches();
  }

  private static String quote(@Nullable String s) {
    String t = s != null && s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "'" + SafeText.line(t) + "'";
  }

  private static SnapshotFailure invalid(String message) {
    return new SnapshotFailure(SnapshotReason.INVALID, message);
  }
}
