package dev.coroner.agent.cri;

/**
 * A container's process as the runtime sees it now: whether it runs, and its PID on the host.
 * Unlike {@link ContainerMetadata}, this changes over the container's life, so it is never cached.
 *
 * @param containerId the full container ID
 * @param running whether the container's state is running
 * @param pid the host PID of the container's first process; 0 when the runtime gives none (the
 *     container is not running, or the runtime's verbose info has no {@code pid})
 */
public record ContainerProcess(String containerId, boolean running, long pid) {}
