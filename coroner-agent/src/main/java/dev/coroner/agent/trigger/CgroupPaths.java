package dev.coroner.agent.trigger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A container's cgroup directory under the cgroup mount, from a path the kernel ({@code
 * /proc/PID/cgroup}) or the runtime (the OCI spec's {@code cgroupsPath}) wrote. Neither chooses a
 * file unchecked: each part of the path must look like a cgroup's name (no {@code ..}, no {@code
 * /}), and the directory, links resolved, must lie under the mount.
 */
final class CgroupPaths {
  // Names cgroupfs and systemd drivers give: kubepods, pod<uid>, <64 hex>,
  // cri-containerd-<id>.scope,
  // kubepods-burstable-pod<uid_with_underscores>.slice; systemd escapes other bytes as \xNN.
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_.:@=+\\\\-]{1,255}");

  private final Path root;

  /** Directories under {@code root}, the cgroup mount ({@code /sys/fs/cgroup}). */
  CgroupPaths(Path root) {
    this.root = root;
  }

  /** Whether the mount is cgroup v2 alone (every controller in one tree). */
  boolean unified() {
    return Files.isRegularFile(root.resolve("cgroup.controllers"));
  }

  /**
   * The cgroup of a process whose {@code /proc/PID/cgroup} reads {@code content}: the v2 line
   * ({@code 0::/path}) on a unified mount, else the memory, cpu and cpuacct lines of v1.
   */
  Optional<ContainerCgroup> ofProcess(String content) {
    Map<String, String> byController = new HashMap<>();
    String unifiedPath = null;
    for (String line : content.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length != 3) {
        continue;
      }
      if (f[0].equals("0") && f[1].isEmpty()) {
        unifiedPath = f[2].trim();
      }
      for (String controller : f[1].split(",")) {
        byController.put(controller, f[2].trim());
      }
    }
    if (unified()) {
      return unifiedPath == null ? Optional.empty() : v2(unifiedPath);
    }
    String memory = byController.get("memory");
    String cpu = byController.get("cpu");
    String cpuacct = byController.get("cpuacct");
    if (memory == null || cpu == null || cpuacct == null) {
      return Optional.empty();
    }
    Path m = under("memory", memory);
    Path c = under("cpu", cpu);
    Path a = under("cpuacct", cpuacct);
    return m == null || c == null || a == null
        ? Optional.empty()
        : Optional.of(new ContainerCgroup.V1(m, c, a));
  }

  /** The cgroup at {@code path} (relative to the mount, as {@link #relative} gives it). */
  Optional<ContainerCgroup> at(String path) {
    if (unified()) {
      return v2(path);
    }
    Path m = under("memory", path);
    Path c = under("cpu", path);
    Path a = under("cpuacct", path);
    return m == null || c == null || a == null
        ? Optional.empty()
        : Optional.of(new ContainerCgroup.V1(m, c, a));
  }

  private Optional<ContainerCgroup> v2(String path) {
    Path dir = under("", path);
    return dir == null ? Optional.empty() : Optional.of(new ContainerCgroup.V2(dir));
  }

  /**
   * An OCI {@code cgroupsPath} as a path under the mount: {@code /kubepods/burstable/pod<uid>/<id>}
   * (cgroupfs driver) as it is; {@code kubepods-burstable-pod<uid>.slice:cri-containerd:<id>}
   * (systemd driver) as systemd lays it out, {@code
   * /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope}.
   * Null when it is neither.
   */
  static @Nullable String relative(String cgroupsPath) {
    if (cgroupsPath.startsWith("/")) {
      return cgroupsPath;
    }
    String[] f = cgroupsPath.split(":", -1);
    if (f.length != 3 || f[2].isEmpty()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    String slice = f[0].isEmpty() ? "-.slice" : f[0];
    if (!slice.endsWith(".slice")) {
      return null;
    }
    if (!slice.equals("-.slice")) {
      // systemd nests a-b-c.slice in a-b.slice in a.slice.
      String name = slice.substring(0, slice.length() - ".slice".length());
      int dash = -1;
      while ((dash = name.indexOf('-', dash + 1)) >= 0) {
        parts.add(name.substring(0, dash) + ".slice");
      }
      parts.add(slice);
    }
    parts.add(f[2].endsWith(".slice") ? f[2] : f[1] + "-" + f[2] + ".scope");
    return "/" + String.join("/", parts);
  }

  /**
   * {@code path} in {@code hierarchy} ("" for v2) under the mount, checked: an existing directory
   * whose real path is under the mount's; null otherwise.
   */
  private @Nullable Path under(String hierarchy, String path) {
    if (!path.startsWith("/")) {
      return null;
    }
    Path dir = hierarchy.isEmpty() ? root : root.resolve(hierarchy);
    for (String part : path.substring(1).split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (!PART.matcher(part).matches() || part.equals(".") || part.equals("..")) {
        return null;
      }
      dir = dir.resolve(part);
    }
    try {
      // v1's cpu and cpuacct are often links to cpu,cpuacct, itself under the mount.
      Path real = dir.toRealPath();
      return Files.isDirectory(real) && real.startsWith(root.toRealPath()) ? real : null;
    } catch (IOException e) {
      return null;
    }
  }
}
