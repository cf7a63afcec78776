package dev.coroner.cli.k8s;

import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import org.jspecify.annotations.Nullable;

/** The debug pod's two images: the crashed app's (for its executable) and the debugger's. */
public final class PodImages {
  /** Where coroner's debug images are published (images/build.sh). */
  public static final String DEBUG_REPOSITORY = "ghcr.io/coroner-dev";

  private PodImages() {}

  /**
   * The app image to copy the executable from.
   *
   * @param reference what to pull; null when no app image is needed (the executable is kept with
   *     the dump)
   * @param note why it is not pinned to the digest that crashed, or null when it is
   */
  public record AppImage(@Nullable String reference, @Nullable String note) {}

  /**
   * {@code override} (-i) when given; else the crashed container's image, pinned to the repo digest
   * the runtime ran ({@code image@sha256:...}) so a tag moved since the crash cannot bring a
   * different executable.
   */
  public static AppImage app(DumpInfo.@Nullable PodInfo pod, @Nullable String override) {
    if (override != null && !override.isBlank()) {
      return new AppImage(override.trim(), null);
    }
    if (pod == null || pod.image() == null || pod.image().isBlank()) {
      throw new CliException(
          CliException.USAGE,
          "the dump does not say which image crashed (it was not in a pod the agent knew);"
              + " pass -i IMAGE with the executable that crashed");
    }
    String image = pod.image();
    String digest = pod.imageDigest();
    if (image.contains("@sha256:")) {
      return new AppImage(image, null);
    }
    if (digest != null && digest.contains("@sha256:")) {
      // The CRI's imageRef: repository@sha256 of what was pulled, which the registry still serves.
      return new AppImage(digest, null);
    }
    if (digest != null && digest.startsWith("sha256:")) {
      return new AppImage(
          image,
          "the dump records only the image ID "
              + abbreviate(digest)
              + ", which a registry cannot serve: using the tag "
              + image
              + ", which may have moved since the crash");
    }
    return new AppImage(
        image, "the dump has no image digest: using the tag, which may have moved since the crash");
  }

  /** The debug image for {@code kind}: {@code override}, else coroner's, tagged {@code version}. */
  public static String debug(DebugKind kind, @Nullable String override, @Nullable String version) {
    if (override != null && !override.isBlank()) {
      return override.trim();
    }
    String tag = version == null || version.isBlank() ? "latest" : version;
    return DEBUG_REPOSITORY + "/coroner-debug-" + kind.imageFlavour() + ":" + tag;
  }

  private static String abbreviate(String digest) {
    return digest.length() > 19 ? digest.substring(0, 19) + "…" : digest;
  }
}
