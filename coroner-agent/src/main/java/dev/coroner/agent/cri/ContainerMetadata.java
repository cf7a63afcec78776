package dev.coroner.agent.cri;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who crashed, as the container runtime knows it: the pod and container identity, the image, and
 * the tail of the container's log. Collections are immutable copies.
 *
 * @param containerId the full 64-hex container ID
 * @param containerName the container's name in the pod spec
 * @param image the image as the pod spec names it, e.g. {@code registry/app:1.2}
 * @param imageRef what the runtime resolved it to: a repo digest ({@code registry/app@sha256:...})
 *     or the image ID ({@code sha256:...}); see {@link #imageDigest()}
 * @param podName the pod's name
 * @param podNamespace the pod's namespace
 * @param podUid the pod's UID
 * @param podLabels the pod's labels (kubelet adds {@code io.kubernetes.pod.*} to them)
 * @param podAnnotations the pod's annotations
 * @param containerLabels the container's labels ({@code io.kubernetes.container.name}, ...)
 * @param restartCount kubelet's restart count of this container; 0 if kubelet did not say
 * @param logTail the last lines of the container's log, oldest first, CRI prefixes removed and
 *     partial lines joined
 * @param logPath the log file as the runtime names it (a host path); null if it has none
 * @param nodeName the node's name; CRI does not know it, so it is null until {@link #withNodeName}
 *     sets it
 */
public record ContainerMetadata(
    String containerId,
    String containerName,
    String image,
    String imageRef,
    String podName,
    String podNamespace,
    String podUid,
    Map<String, String> podLabels,
    Map<String, String> podAnnotations,
    Map<String, String> containerLabels,
    int restartCount,
    List<String> logTail,
    @Nullable String logPath,
    @Nullable String nodeName) {

  public ContainerMetadata {
    Objects.requireNonNull(containerId, "containerId");
    podLabels = Map.copyOf(podLabels);
    podAnnotations = Map.copyOf(podAnnotations);
    containerLabels = Map.copyOf(containerLabels);
    logTail = List.copyOf(logTail);
  }

  /** The same metadata on node {@code name}. */
  public ContainerMetadata withNodeName(String name) {
    return new ContainerMetadata(
        containerId,
        containerName,
        image,
        imageRef,
        podName,
        podNamespace,
        podUid,
        podLabels,
        podAnnotations,
        containerLabels,
        restartCount,
        logTail,
        logPath,
        name);
  }

  /** The same metadata with another log tail. */
  public ContainerMetadata withLogTail(List<String> lines) {
    return new ContainerMetadata(
        containerId,
        containerName,
        image,
        imageRef,
        podName,
        podNamespace,
        podUid,
        podLabels,
        podAnnotations,
        containerLabels,
        restartCount,
        lines,
        logPath,
        nodeName);
  }

  /** The {@code sha256:...} part of {@link #imageRef}, or null if it holds no digest. */
  public @Nullable String imageDigest() {
    if (imageRef == null) {
      return null;
    }
    int at = imageRef.lastIndexOf('@');
    String digest = at >= 0 ? imageRef.substring(at + 1) : imageRef;
    return digest.startsWith("sha256:") ? digest : null;
  }
}
