package dev.coroner.cli.k8s;

import dev.coroner.store.PresignedDownloads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code coroner debug --k8s}: what goes into the debug pod and how long it may live. */
public final class DebugPodOptions {
  /** Options that mean nothing without {@code --k8s}. */
  public static final List<String> NAMES =
      List.of(
          "--context",
          "--namespace",
          "--kubeconfig",
          "--image",
          "--debug-image",
          "--url-ttl",
          "--deadline",
          "--wait",
          "--keep",
          "--image-pull-secret",
          "--dry-run");

  @Option(
      names = {"-i", "--image"},
      paramLabel = "IMAGE",
      description =
          "The image to copy the crashed executable from (default: the crashed container's image,"
              + " pinned to the digest it ran). It needs a 'cp'; for a distroless app image, pass"
              + " an image with the same executable and a cp (e.g. node:20.11.1-slim).")
  @Nullable String appImage;

  @Option(
      names = "--debug-image",
      paramLabel = "IMAGE",
      description =
          "The debugger image (default: ghcr.io/coroner-dev/coroner-debug-nodejs, -native or"
              + " -java by runtime, tagged with this CLI's version). See docs/cli.md for what it"
              + " must contain.")
  @Nullable String debugImage;

  @Option(
      names = "--url-ttl",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long the pod's presigned download URL stays valid: at most 1h. Default: 15m.")
  Duration urlTtl = PresignedDownloads.DEFAULT_TTL;

  @Option(
      names = "--deadline",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "The pod's activeDeadlineSeconds: Kubernetes ends it after this even if coroner dies;"
              + " 'coroner gc' deletes it. Default: 4h.")
  Duration deadline = Duration.ofHours(4);

  @Option(
      names = "--wait",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long to wait for the pod to be ready. Default: 5m.")
  Duration waitFor = Duration.ofMinutes(5);

  @Option(
      names = "--keep",
      description = "Keep the pod after the session (it still ends at --deadline).")
  boolean keep;

  @Option(
      names = "--image-pull-secret",
      paramLabel = "NAME",
      description =
          "An image pull secret of the namespace for private images (repeatable; the namespace's"
              + " default service account's secrets apply anyway).")
  List<String> pullSecrets = new ArrayList<>();

  @Option(
      names = "--dry-run",
      description =
          "Print the debug pod as YAML and create nothing (no URL is signed: DUMP_URL shows a"
              + " placeholder).")
  boolean dryRun;

  /** {@code --dry-run}: print the pod, create nothing. */
  public boolean dryRun() {
    return dryRun;
  }

  /** {@code -i}: the image with the crashed executable, or null for the one that crashed. */
  public @Nullable String appImage() {
    return appImage;
  }

  /** {@code --debug-image}, or null for the default. */
  public @Nullable String debugImage() {
    return debugImage;
  }

  /** {@code --url-ttl}: how long the dump's download URL is valid. */
  public Duration urlTtl() {
    return urlTtl;
  }

  /** {@code --deadline}: when Kubernetes ends the pod. */
  public Duration deadline() {
    return deadline;
  }

  /** {@code --wait}: how long the pod may take to be ready. */
  public Duration waitFor() {
    return waitFor;
  }

  /** {@code --keep}: keep the pod after the session. */
  public boolean keep() {
    return keep;
  }

  /** {@code --image-pull-secret}s, in order. */
  public List<String> pullSecrets() {
    return List.copyOf(pullSecrets);
  }
}
