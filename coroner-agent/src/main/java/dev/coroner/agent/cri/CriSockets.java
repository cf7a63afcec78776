package dev.coroner.agent.cri;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the container runtime's CRI socket: an explicit one from the config, or the first of the
 * well-known containerd, CRI-O and cri-dockerd sockets that exists. Paths are host paths, looked up
 * under a host root prefix because the agent in a DaemonSet sees the host under a mount.
 */
public final class CriSockets {
  /** The well-known sockets, in the order they are tried. */
  public static final List<String> KNOWN =
      List.of(
          "/run/containerd/containerd.sock",
          "/run/crio/crio.sock",
          "/run/cri-dockerd.sock",
          // /var/run is a symlink to /run on most hosts, but an absolute symlink resolves
          // against the agent's own root, not the host's: try the /var/run spellings too.
          "/var/run/containerd/containerd.sock",
          "/var/run/crio/crio.sock",
          "/var/run/cri-dockerd.sock");

  private CriSockets() {}

  /**
   * The socket to use: {@code configured} (a host path, or a {@code unix://} endpoint as crictl
   * takes it) if present, else the first of {@link #KNOWN} that is a socket under {@code hostRoot}.
   */
  public static Path find(Path hostRoot, Optional<String> configured)
      throws CriUnavailableException {
    if (configured.isPresent()) {
      Path socket = underRoot(hostRoot, configured.get());
      if (!isSocket(socket)) {
        throw new CriUnavailableException(
            "The configured CRI socket " + socket + " is not there (or is not a socket).");
      }
      return socket;
    }
    List<Path> tried = new ArrayList<>();
    for (String known : KNOWN) {
      Path socket = underRoot(hostRoot, known);
      if (isSocket(socket)) {
        return socket;
      }
      tried.add(socket);
    }
    throw new CriUnavailableException(
        "No container runtime socket found; tried "
            + tried
            + ". Configure the CRI socket explicitly if the runtime listens elsewhere.");
  }

  /** {@code hostPath} (absolute, or {@code unix://...}) as the agent sees it under hostRoot. */
  static Path underRoot(Path hostRoot, String hostPath) {
    String path =
        hostPath.startsWith("unix://") ? hostPath.substring("unix://".length()) : hostPath;
    return hostRoot.resolve(path.replaceFirst("^/+", ""));
  }

  private static boolean isSocket(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).isOther();
    } catch (IOException e) {
      return false;
    }
  }
}
