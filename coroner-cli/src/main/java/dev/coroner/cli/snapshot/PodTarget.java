package dev.coroner.cli.snapshot;

import dev.coroner.cli.errors.CliException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a pod's snapshot is of: the node whose agent takes it and the container, chosen as kubectl
 * chooses it, or why there is nothing to snapshot (exit 3, with what to do).
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param node the node it runs on ({@code spec.nodeName})
 * @param container the container
 * @param others the pod's other containers, when the container was chosen without -c (else empty)
 */
record PodTarget(String namespace, String pod, String node, String container, List<String> others) {
  /** kubectl's annotation for the container {@code kubectl exec} and {@code logs} pick. */
  static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";

  PodTarget {
    others = List.copyOf(others);
  }

  /**
   * The target in {@code pod} (null: there is no such pod in {@code namespace}), for the container
   * {@code asked} (null: the pod's default).
   */
  static PodTarget of(@Nullable Pod pod, String namespace, String name, @Nullable String asked) {
    String where = "pod " + namespace + "/" + name;
    if (pod == null) {
      throw new CliException(
          CliException.NOT_FOUND,
          "no pod '"
              + name
              + "' in namespace "
              + namespace
              + "; 'kubectl get pods -n "
              + namespace
              + "' lists them (-n chooses the namespace)");
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (node == null || node.isBlank()) {
      throw new CliException(
          CliException.NOT_FOUND,
          where
              + " is not scheduled on a node yet"
              + (phase == null ? "" : " (" + phase + ")")
              + ", so no process runs to snapshot; 'kubectl describe pod "
              + name
              + " -n "
              + namespace
              + "' says what it waits for");
    }
    if (!"Running".equals(phase)) {
      throw new CliException(
          CliException.NOT_FOUND,
          where
              + " is "
              + (phase == null ? "in no phase yet" : phase)
              + ", not Running: no process of it runs to snapshot"
              + ("Pending".equals(phase)
                  ? "; snapshot it once 'kubectl get pod "
                      + name
                      + " -n "
                      + namespace
                      + "' shows"
                      + " it Running"
                  : ""));
    }
    List<String> names = pod.getSpec().getContainers().stream().map(Container::getName).toList();
    String container = asked != null ? asked : defaultContainer(pod, names);
    if (container == null || !names.contains(container)) {
      throw new CliException(
          CliException.NOT_FOUND,
          where
              + " has no container "
              + (container == null ? "" : "'" + container + "'")
              + "; its containers: "
              + (names.isEmpty() ? "none" : String.join(", ", names))
              + " (-c chooses one)");
    }
    Optional<ContainerState> state =
        pod.getStatus().getContainerStatuses().stream()
            .filter(s -> container.equals(s.getName()))
            .map(ContainerStatus::getState)
            .filter(s -> s != null)
            .findFirst();
    if (state.isPresent() && state.get().getRunning() == null) {
      throw new CliException(
          CliException.NOT_FOUND,
          "container "
              + container
              + " of "
              + where
              + " is not running ("
              + describe(state.get())
              + "); snapshot it once 'kubectl get pod "
              + name
              + " -n "
              + namespace
              + "' shows it running");
    }
    List<String> others =
        asked != null ? List.of() : names.stream().filter(n -> !n.equals(container)).toList();
    return new PodTarget(namespace, name, node, container, others);
  }

  /** The annotated default container when the pod has it, else the first, as kubectl does. */
  private static @Nullable String defaultContainer(Pod pod, List<String> names) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String annotated = annotations == null ? null : annotations.get(DEFAULT_CONTAINER);
    if (annotated != null && names.contains(annotated)) {
      return annotated;
    }
    return names.isEmpty() ? null : names.get(0);
  }

  private static String describe(ContainerState s) {
    if (s.getWaiting() != null) {
      String reason = s.getWaiting().getReason();
      return "waiting" + (reason == null ? "" : ": " + reason);
    }
    if (s.getTerminated() != null) {
      String reason = s.getTerminated().getReason();
      return "terminated" + (reason == null ? "" : ": " + reason);
    }
    return "no state yet";
  }

  /** {@code namespace/pod}. */
  String name() {
    return namespace + "/" + pod;
  }
}
