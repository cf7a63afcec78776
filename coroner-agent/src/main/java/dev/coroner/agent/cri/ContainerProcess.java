package dev.coroner.agent.cri;

import org.jspecify.annotations.Nullable;

/**
 * A running container's process as its runtime reports it (the verbose {@code ContainerStatus} info
 * of containerd and CRI-O).
 *
 * @param pid the container's first process, in the host's PID namespace; 0 when the runtime does
 *     not say (the container is not running)
 * @param cgroupsPath the OCI spec's {@code linux.cgroupsPath}: {@code /kubepods/...} (cgroupfs
 *     driver) or {@code slice:prefix:name} (systemd driver); null when the runtime does not say
 */
public record ContainerProcess(long pid, @Nullable String cgroupsPath) {}
