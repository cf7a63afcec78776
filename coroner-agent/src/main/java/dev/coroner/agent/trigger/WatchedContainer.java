package dev.coroner.agent.trigger;

import dev.coroner.agent.kube.PodRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * A running container of a pod on this node, with the triggers that apply to it.
 *
 * @param pod the pod
 * @param name the container's name in the pod's spec
 * @param containerId the runtime's 64-hex container ID
 * @param startedAt when this run of the container started (the pod status' {@code startedAt})
 * @param restartCount the kubelet's restart count
 * @param triggers the triggers that apply (never empty)
 * @param probe the liveness probe's period plus its timeout: longer between two failures, the
 *     kubelet saw a success in between
 */
record WatchedContainer(
    PodRef pod,
    String name,
    String containerId,
    Instant startedAt,
    int restartCount,
    Set<Trigger> triggers,
    Duration probe) {
  WatchedContainer {
    triggers = Set.copyOf(triggers);
  }

  /** Pod and container, for logs: {@code shop/web-1/app}. */
  @Override
  public String toString() {
    return pod + "/" + name;
  }
}
