package dev.coroner.agent.cri;

import org.jspecify.annotations.Nullable;

/**
 * A container's process as the runtime sees it now (the verbose {@code ContainerStatus} info of
 * containerd and CRI-O): whether it runs, its PID on the host, its cgroup. Unlike {@link
 * ContainerMetadata}, this changes over the container's life, so it is never cached.
 *
 * @param containerId the full container ID
 * @param running whether the container's state is running
 * @param pid the host PID of the container's first process; 0 when the runtime gives none (the
 *     container is not running, or the runtime's verbose info has no {@code pid})
 * @param cgroupsPath the OCI spec's {@code linux.cgroupsPath}: {@code /kubepods/...} (cgroupfs
 *     driver) or {@code slice:prefix:name} (systemd driver); null when the runtime does not say
 */
public record ContainerProcess(
    String containerId, boolean running, long pid, @Nullable String cgroupsPath) {}
