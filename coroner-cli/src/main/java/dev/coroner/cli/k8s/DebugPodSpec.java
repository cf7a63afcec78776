package dev.coroner.cli.k8s;

import dev.coroner.dump.Compression;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the debug pod is made from, decided before it is built.
 *
 * @param podName the pod's name
 * @param namespace where it runs
 * @param dump the dump it opens
 * @param appImage the image the executable is copied from (digest-pinned when known)
 * @param debugImage the debugger's image, also used to fetch the dump
 * @param kind which debugger, for its environment
 * @param exePath the crashed executable's path inside {@code appImage}
 * @param url the presigned download URL of the dump's zip
 * @param urlExpires when {@code url} stops working
 * @param deadline the pod's activeDeadlineSeconds
 * @param pullSecrets image pull secrets of the namespace
 */
public record DebugPodSpec(
    String podName,
    String namespace,
    Dump dump,
    String appImage,
    String debugImage,
    DebugKind kind,
    String exePath,
    URI url,
    Instant urlExpires,
    Duration deadline,
    List<String> pullSecrets) {

  public DebugPodSpec {
    pullSecrets = List.copyOf(pullSecrets);
  }

  /**
   * The dump's facts the pod needs: its name and uuid, the zip's size, and its core's zip entry,
   * compression, raw size and sha256 (from dump-info).
   */
  public record Dump(
      String name,
      String uuid,
      long zipSize,
      String coreEntry,
      Compression coreCompression,
      long coreSize,
      String coreSha256) {}

  /** Extra environment of the debug container. */
  public Map<String, String> debugEnv() {
    return kind.env();
  }

  @Override
  public String toString() {
    // The URL is a bearer capability for the whole core until it expires: never print it.
    return "DebugPodSpec[" + namespace + "/" + podName + ", dump " + dump.name() + "]";
  }
}
