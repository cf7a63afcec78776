package dev.coroner.agent.trigger;

import dev.coroner.agent.cri.ContainerProcess;
import dev.coroner.agent.cri.CriException;
import dev.coroner.base.text.SafeText;
import dev.coroner.capture.proc.ContainerIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a running container's cgroup: the runtime (CRI) names the container's process, whose {@code
 * /proc/PID/cgroup} names the cgroup, if this agent sees the host's PIDs; else the runtime's {@code
 * cgroupsPath}. Either way the path must name the container's own ID, so a PID reused by another
 * process, or another PID namespace's process, is never read as the container. Found cgroups are
 * remembered per container; a container not found is asked about again after a minute.
 */
final class CgroupLocator {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupLocator.class);
  private static final Duration RETRY = Duration.ofMinutes(1);

  private final SnapshotTriggers.Processes runtime;
  private final Path proc;
  private final CgroupPaths paths;
  private final LongSupplier nanos;
  private final Map<String, ContainerCgroup> found = new ConcurrentHashMap<>();
  private final Map<String, Long> missing = new ConcurrentHashMap<>();

  CgroupLocator(
      SnapshotTriggers.Processes runtime, Path proc, CgroupPaths paths, LongSupplier nanos) {
    this.runtime = runtime;
    this.proc = proc;
    this.paths = paths;
    this.nanos = nanos;
  }

  /** The cgroup of container {@code containerId} (64 hex), or null when it cannot be found now. */
  @Nullable ContainerCgroup locate(String containerId) {
    ContainerCgroup known = found.get(containerId);
    if (known != null) {
      return known;
    }
    Long since = missing.get(containerId);
    if (since != null && nanos.getAsLong() - since < RETRY.toNanos()) {
      return null;
    }
    Optional<ContainerCgroup> cgroup;
    try {
      cgroup = find(containerId, runtime.process(containerId));
    } catch (CriException e) {
      LOG.info(
          "No cgroup for container {} yet, its memory and CPU are not watched: {}",
          containerId,
          e.getMessage());
      cgroup = Optional.empty();
    }
    if (cgroup.isEmpty()) {
      missing.put(containerId, nanos.getAsLong());
      return null;
    }
    missing.remove(containerId);
    found.put(containerId, cgroup.get());
    LOG.info("container {}: cgroup {}", containerId, cgroup.get().describe());
    return cgroup.get();
  }

  private Optional<ContainerCgroup> find(String containerId, ContainerProcess process) {
    if (process.pid() > 0) {
      try {
        String content =
            Files.readString(proc.resolve(Long.toString(process.pid())).resolve("cgroup"));
        if (ContainerIds.fromCgroup(content).filter(containerId::equals).isPresent()) {
          Optional<ContainerCgroup> cgroup = paths.ofProcess(content);
          if (cgroup.isPresent()) {
            return cgroup;
          }
        }
      } catch (IOException e) {
        // Not in this PID namespace (the agent without hostPID), or just exited: the spec says.
      }
    }
    String cgroupsPath = process.cgroupsPath();
    String relative = cgroupsPath == null ? null : CgroupPaths.relative(cgroupsPath);
    if (relative != null
        && ContainerIds.fromCgroup(relative).filter(containerId::equals).isPresent()) {
      Optional<ContainerCgroup> cgroup = paths.at(relative);
      if (cgroup.isPresent()) {
        return cgroup;
      }
    }
    LOG.info(
        "No cgroup for container {} under the cgroup mount (pid {}, cgroupsPath {}): its memory"
            + " and CPU are not watched; the agent needs the host's /sys/fs/cgroup (a privileged"
            + " pod has it)",
        containerId,
        process.pid(),
        SafeText.line(cgroupsPath));
    return Optional.empty();
  }

  /** Forgets the containers that are not in {@code running}. */
  void retain(Set<String> running) {
    found.keySet().retainAll(running);
    missing.keySet().retainAll(running);
  }
}
