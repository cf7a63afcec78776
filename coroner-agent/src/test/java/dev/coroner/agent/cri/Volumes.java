package dev.coroner.agent.cri;

import java.nio.file.Path;
import java.util.List;

/**
 * What a container gets from the node besides its image, as a pod spec's {@code hostPath} volumes
 * and {@code readOnlyRootFilesystem} give it.
 *
 * @param mounts host paths bound into the container
 * @param readOnlyRoot whether the image's root file system is read-only
 */
public record Volumes(List<Mount> mounts, boolean readOnlyRoot) {
  /** No host paths, a writable root: what a plain pod gets. */
  public static final Volumes NONE = new Volumes(List.of(), false);

  public Volumes {
    mounts = List.copyOf(mounts);
  }

  /** A host path bound into the container at {@code containerPath}. */
  public record Mount(Path hostPath, String containerPath, boolean readOnly) {
    /** A writable bind at the host path itself, as the agent's chart mounts its directories. */
    public static Mount samePath(Path hostPath) {
      return new Mount(hostPath, hostPath.toString(), false);
    }

    /** A read-only bind of {@code hostPath} at {@code containerPath}. */
    public static Mount readOnly(Path hostPath, String containerPath) {
      return new Mount(hostPath, containerPath, true);
    }
  }
}
