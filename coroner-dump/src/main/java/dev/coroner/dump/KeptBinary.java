package dev.coroner.dump;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One executable or shared library the crashed process had mapped, and whether a copy of it is kept
 * in the store by build-id ({@code PREFIX/~coroner/binaries/BUILD_ID/FILE_NAME}), so that the dump
 * stays debuggable once the image or the package is gone. dump-info's {@code binaries}.
 *
 * @param path where the process had it mapped; the agent always writes it, but a dump-info read
 *     back may lack it (null), and such a record names no file to fetch
 * @param buildId its GNU build-id in hex (the core's record of it); null when it has none
 * @param size its size in bytes; -1 when unknown
 * @param sha256 SHA-256 of the kept copy; null when not kept
 * @param kept whether the store holds it
 * @param reason why it is not kept (too large, runtime skipped, gone, build-id differs); null when
 *     kept
 */
public record KeptBinary(
    @Nullable String path,
    @Nullable String buildId,
    long size,
    @Nullable String sha256,
    boolean kept,
    @Nullable String reason) {

  /** A kept file. */
  public static KeptBinary kept(String path, String buildId, long size, String sha256) {
    return new KeptBinary(path, buildId, size, sha256, true, null);
  }

  /** A file not kept, and why. */
  public static KeptBinary notKept(
      String path, @Nullable String buildId, long size, String reason) {
    return new KeptBinary(path, buildId, size, null, false, reason);
  }

  /**
   * The file's name, as stored beside its build-id: the path's last part with anything but {@code
   * [A-Za-z0-9._+-]} as {@code _} and no leading dot (the path comes from the crashed process and
   * may be anything), at most 200 characters; {@code file} when nothing is left.
   */
  public String fileName() {
    return fileName(path);
  }

  /** {@link #fileName()} of {@code path}. */
  public static String fileName(@Nullable String path) {
    String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    name = name.replaceAll("[^A-Za-z0-9._+-]", "_").replaceFirst("^\\.+", "_");
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    return name.isEmpty() ? "file" : name;
  }

  /** Whether {@code id} is a build-id as stored: 8 to 128 lower-case hex digits. */
  public static boolean isBuildId(@Nullable String id) {
    return id != null && id.matches("[0-9a-f]{8,128}");
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("build_id", buildId);
    m.put("size", size);
    m.put("sha256", sha256);
    m.put("kept", kept);
    if (reason != null) {
      m.put("reason", reason);
    }
    return m;
  }
}
