package dev.coroner.capture.proc;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the container ID in a process's {@code /proc/PID/cgroup}. Runtimes put the 64-hex ID at the
 * end of the path: {@code .../<id>} (cgroupfs), {@code cri-containerd-<id>.scope}, {@code
 * crio-<id>.scope} or {@code docker-<id>.scope} (systemd driver).
 */
public final class ContainerIds {
  private static final Pattern ID =
      Pattern.compile("(?:^|[/:-])([0-9a-f]{64})(?:\\.scope)?/?$", Pattern.MULTILINE);

  private ContainerIds() {}

  /** The container ID from cgroup file content, if the process runs in a container. */
  public static Optional<String> fromCgroup(String cgroupFile) {
    String found = null;
    for (String line : cgroupFile.split("\n")) {
      Matcher m = ID.matcher(line.trim());
      if (m.find()) {
        // cgroup v1 lists one line per hierarchy; they agree, the last one wins.
        found = m.group(1);
      }
    }
    return Optional.ofNullable(found);
  }
}
