package dev.coroner.cli.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a debug pod's status says: still starting (how far it got, what it waits for), ready, or
 * failed (what happened and what the user can do about it). A pure reading of one status, so every
 * case is unit-testable; {@link DebugSession} acts on the kind, never on the text.
 */
public sealed interface PodState {
  /** Milestones reached so far, oldest first (the session prints the new ones). */
  List<String> progress();

  /** Still starting: {@code waitingFor} says for what, for a message when the wait runs out. */
  record Pending(List<String> progress, Wait waitingFor) implements PodState {
    public Pending {
      progress = List.copyOf(progress);
    }
  }

  /** Running and ready: the session can start. */
  record Ready(List<String> progress) implements PodState {
    public Ready {
      progress = List.copyOf(progress);
    }
  }

  /**
   * Failed, or the debug container ended: the session cannot go on.
   *
   * @param container the container that failed, or null when the pod as a whole ended
   * @param what what happened, in Kubernetes' words
   * @param hint what to do about it, or null when there is nothing to suggest
   * @param exitCode the failed container's exit code, or null when it did not run
   */
  record Failed(
      List<String> progress,
      @Nullable String container,
      String what,
      @Nullable String hint,
      @Nullable Integer exitCode)
      implements PodState {
    public Failed {
      progress = List.copyOf(progress);
    }

    /** The message for the user: what happened, then the hint. */
    public String problem() {
      return hint == null ? what : what + ". " + hint;
    }
  }

  /** What a starting pod waits for. */
  sealed interface Wait {
    /** In words: {@code a node (not scheduled yet)}, {@code its containers to start}, ... */
    String describe();
  }

  /**
   * A node: the scheduler has not placed the pod. {@code reason} and {@code message} are the
   * scheduler's (PodScheduled=False), both null while it has said nothing.
   */
  record Node(@Nullable String reason, @Nullable String message) implements Wait {
    @Override
    public String describe() {
      return reason == null && message == null
          ? "a node (not scheduled yet)"
          : "a node: " + PodStateReader.reasonAndMessage(reason, message);
    }

    /** The scheduler found no node that fits (resources, taints, affinity). */
    public boolean unschedulable() {
      return "Unschedulable".equals(reason);
    }
  }

  /** The containers: {@code milestone} is the last one reached, or null before the first. */
  record Containers(@Nullable String milestone) implements Wait {
    @Override
    public String describe() {
      return milestone == null ? "its containers to start" : milestone;
    }
  }

  /** Reads one status of a pod built by {@link DebugPodFactory}. */
  static PodState of(Pod pod) {
    return PodStateReader.read(pod);
  }
}
