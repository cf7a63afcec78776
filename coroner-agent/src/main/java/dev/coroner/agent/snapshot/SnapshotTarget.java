package dev.coroner.agent.snapshot;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.kube.PodRef;
import dev.coroner.snapshot.SnapshotMethod;

/**
 * What one request snapshots, once resolved: the pod, the container's process on this node, and
 * what the runtime says about the container (for the dump's pod identity and its log).
 *
 * @param pod the pod, with its UID from the API server
 * @param container the container's name in the pod
 * @param pid the container's first process, on the host
 * @param method how the snapshot is taken
 * @param metadata the runtime's account of the container
 */
public record SnapshotTarget(
    PodRef pod, String container, int pid, SnapshotMethod method, ContainerMetadata metadata) {

  /** {@code container app of pod team-a/web}, for messages. */
  public String describe() {
    return "container " + container + " of pod " + pod;
  }
}
