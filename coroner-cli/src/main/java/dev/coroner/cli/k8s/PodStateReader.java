package dev.coroner.cli.k8s;

import dev.coroner.cli.k8s.PodState.Containers;
import dev.coroner.cli.k8s.PodState.Failed;
import dev.coroner.cli.k8s.PodState.Node;
import dev.coroner.cli.k8s.PodState.Pending;
import dev.coroner.cli.k8s.PodState.Ready;
import dev.coroner.cli.k8s.PodState.Wait;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Reads a debug pod's status as a {@link PodState}: the rules, with the hints they give. */
final class PodStateReader {
  private static final Set<String> PULL_ERRORS =
      Set.of(
          "ErrImagePull",
          "ImagePullBackOff",
          "InvalidImageName",
          "ErrImageNeverPull",
          "RegistryUnavailable",
          "SignatureValidationFailed");

  private static final Set<String> START_ERRORS =
      Set.of(
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError",
          "StartError",
          "PreCreateHookError");

  private PodStateReader() {}

  /** Reads one status of a pod built by {@link DebugPodFactory}. */
  static PodState read(Pod pod) {
    PodStatus status = pod.getStatus();
    List<String> progress = new ArrayList<>();
    if (status == null) {
      return new Pending(progress, new Node(null, null));
    }
    Wait pending = new Node(null, null);
    PodCondition scheduled = condition(status, "PodScheduled");
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (scheduled != null && "False".equals(scheduled.getStatus())) {
      pending = new Node(scheduled.getReason(), scheduled.getMessage());
    } else if (node != null || (scheduled != null && "True".equals(scheduled.getStatus()))) {
      progress.add("Scheduled" + (node == null ? "" : " on node " + node));
      pending = new Containers(null);
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    statuses.addAll(nonNull(status.getInitContainerStatuses()));
    statuses.addAll(nonNull(status.getContainerStatuses()));
    for (ContainerStatus cs : statuses) {
      Failed failed = problem(cs, progress);
      if (failed != null) {
        return failed;
      }
      String milestone = milestone(cs);
      if (milestone != null) {
        progress.add(milestone);
        pending = new Containers(milestone);
      }
    }
    if ("Failed".equals(status.getPhase()) || "Succeeded".equals(status.getPhase())) {
      return new Failed(progress, null, ended(status), null, null);
    }
    PodCondition ready = condition(status, "Ready");
    if ("Running".equals(status.getPhase()) && ready != null && "True".equals(ready.getStatus())) {
      progress.add("Ready");
      return new Ready(progress);
    }
    return new Pending(progress, pending);
  }

  private static @Nullable String milestone(ContainerStatus cs) {
    ContainerState state = cs.getState();
    String name = cs.getName();
    if (state == null) {
      return null;
    }
    if (state.getRunning() != null) {
      return switch (name) {
        case DebugPodFactory.EXE_CONTAINER -> "exe: copying the executable out of " + cs.getImage();
        case DebugPodFactory.FETCH_CONTAINER -> "fetch: downloading the dump, verifying its core";
        default -> name + ": running";
      };
    }
    if (state.getTerminated() != null) {
      return name + ": done";
    }
    if (state.getWaiting() != null && "ContainerCreating".equals(state.getWaiting().getReason())) {
      return name + ": starting " + cs.getImage() + " (pulled first if the node lacks it)";
    }
    return null;
  }

  private static @Nullable Failed problem(ContainerStatus cs, List<String> progress) {
    ContainerState state = cs.getState();
    if (state != null && state.getWaiting() != null) {
      return waitingProblem(cs, state.getWaiting(), progress);
    }
    if (state != null && state.getTerminated() != null) {
      return terminatedProblem(cs, state.getTerminated(), progress);
    }
    return null;
  }

  /** A container that cannot start: its image, or its creation, failed. */
  private static @Nullable Failed waitingProblem(
      ContainerStatus cs, ContainerStateWaiting waiting, List<String> progress) {
    String reason = String.valueOf(waiting.getReason());
    String message = waiting.getMessage();
    if (PULL_ERRORS.contains(reason)) {
      return new Failed(
          progress,
          cs.getName(),
          "cannot pull image "
              + cs.getImage()
              + " for container '"
              + cs.getName()
              + "' ("
              + reasonAndMessage(reason, message)
              + ")",
          pullHint(cs.getName(), message),
          null);
    }
    if (START_ERRORS.contains(reason)) {
      return new Failed(
          progress,
          cs.getName(),
          "container '"
              + cs.getName()
              + "' cannot start ("
              + reasonAndMessage(reason, message)
              + ")",
          hint(cs.getName(), cs.getImage(), message),
          null);
    }
    return null;
  }

  /** An init container that failed, or the debug container that ended at all. */
  private static @Nullable Failed terminatedProblem(
      ContainerStatus cs, ContainerStateTerminated ended, List<String> progress) {
    Integer code = ended.getExitCode();
    boolean failed = code == null || code != 0;
    if (!failed && !DebugPodFactory.DEBUG_CONTAINER.equals(cs.getName())) {
      return null;
    }
    String message = ended.getMessage();
    return new Failed(
        progress,
        cs.getName(),
        "container '"
            + cs.getName()
            + "' "
            + (failed ? "failed" : "ended")
            + " (exit "
            + code
            + (ended.getReason() == null ? "" : ", " + ended.getReason())
            + ")"
            + (message == null || message.isBlank() ? "" : ": " + message.strip()),
        hint(cs.getName(), cs.getImage(), message),
        code);
  }

  private static String pullHint(String container, @Nullable String message) {
    String m = String.valueOf(message).toLowerCase(Locale.ROOT);
    String which =
        DebugPodFactory.EXE_CONTAINER.equals(container)
            ? "It is the crashed app's image; -i IMAGE names another with the same executable."
            : "It is the debug image; --debug-image names another (see docs/cli.md).";
    if (m.contains("unauthorized")
        || m.contains("denied")
        || m.contains("authentication")
        || m.contains("forbidden")) {
      return "The registry wants credentials: pass --image-pull-secret NAME of a secret in the"
          + " namespace. "
          + which;
    }
    if (m.contains("not found") || m.contains("manifest unknown") || m.contains("no such")) {
      return "The image or tag does not exist (any more). " + which;
    }
    return which;
  }

  private static @Nullable String hint(String container, String image, @Nullable String message) {
    String m = String.valueOf(message);
    if (!DebugPodFactory.EXE_CONTAINER.equals(container)) {
      return null;
    }
    if (m.contains("\"cp\"") || m.contains("cp: not found") || m.contains("exec: cp")) {
      return "The image "
          + image
          + " has no 'cp' (a distroless or scratch image?): pass -i with an image that holds the"
          + " same executable and a cp, e.g. the same release's -slim tag";
    }
    if (m.contains("cannot stat") || m.contains("No such file")) {
      return "The executable is not at that path in "
          + image
          + ": pass --exe with its path in the image, or -i with the image the process ran";
    }
    if (m.contains("Permission denied")) {
      return "The executable is not readable by uid "
          + DebugPodFactory.UID
          + " in "
          + image
          + ": pass -i with an image where it is";
    }
    return null;
  }

  private static String ended(PodStatus status) {
    String reason = status.getReason();
    if ("DeadlineExceeded".equals(reason)) {
      return "the pod reached its deadline (--deadline) and Kubernetes ended it";
    }
    return "the pod "
        + ("Succeeded".equals(status.getPhase()) ? "ended" : "failed")
        + (reason == null && status.getMessage() == null
            ? ""
            : " (" + reasonAndMessage(reason, status.getMessage()) + ")");
  }

  static String reasonAndMessage(@Nullable String reason, @Nullable String message) {
    if (message == null || message.isBlank()) {
      return String.valueOf(reason);
    }
    return reason == null ? message.strip() : reason + ": " + message.strip();
  }

  private static @Nullable PodCondition condition(PodStatus status, String type) {
    return nonNull(status.getConditions()).stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static <T> List<T> nonNull(@Nullable List<T> list) {
    return list == null ? List.of() : list;
  }
}
