package dev.coroner.cli.k8s;

import dev.coroner.dump.Compression;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything the debug pod is made from, decided before it is built.
 *
 * @param podName the pod's name
 * @param namespace where it runs
 * @param dump the dump it opens
 * @param appImage the image the executable is copied from (digest-pinned when known); null when the
 *     executable is among {@code binaries}
 * @param debugImage the debugger's image, also used to fetch the dump
 * @param kind which debugger, for its environment
 * @param exePath the crashed executable's path inside {@code appImage}
 * @param url the presigned download URL of the dump's zip
 * @param urlExpires when {@code url} stops working
 * @param deadline the pod's activeDeadlineSeconds
 * @param pullSecrets image pull secrets of the namespace
 * @param binaries the executable and libraries kept with the dump, which the fetch step lays out as
 *     the debugger's sysroot; empty: the executable comes from {@code appImage}
 */
public record DebugPodSpec(
    String podName,
    String namespace,
    Dump dump,
    @Nullable String appImage,
    String debugImage,
    DebugKind kind,
    String exePath,
    URI url,
    Instant urlExpires,
    Duration deadline,
    List<String> pullSecrets,
    List<PodBinary> binaries) {

  public DebugPodSpec {
    pullSecrets = List.copyOf(pullSecrets);
    binaries = List.copyOf(binaries);
  }

  /** Without kept binaries: the executable is copied out of the app's image. */
  public DebugPodSpec(
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
    this(
        podName,
        namespace,
        dump,
        appImage,
        debugImage,
        kind,
        exePath,
        url,
        urlExpires,
        deadline,
        pullSecrets,
        List.of());
  }

  /**
   * A kept binary the pod downloads: where the process had it, its sha256 and a presigned URL that
   * expires with the dump's.
   */
  public record PodBinary(String path, long size, String sha256, URI url) {
    @Override
    public String toString() {
      return "PodBinary[" + path + "]"; // the URL reads the file until it expires
    }
  }

  /** Whether the executable itself is among the kept binaries: then no app image is needed. */
  public boolean exeKept() {
    return binaries.stream().anyMatch(b -> b.path().equals(exePath));
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
