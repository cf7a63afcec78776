package dev.coroner.agent.snapshot;

import dev.coroner.agent.cri.ContainerMetadata;
import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriException;

/** The node's container runtime, as a snapshot asks it (CRI: the agent's {@code RuntimeLookup}). */
public interface ContainerRuntime {
  /** Whether the container runs now, and its host PID. */
  ContainerProcess process(String containerId) throws CriException;

  /** Who the container is (pod, image, labels) and the tail of its log, as for a crash. */
  ContainerMetadata metadata(String containerId) throws CriException;
}
