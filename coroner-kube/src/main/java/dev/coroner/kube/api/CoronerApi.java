package dev.coroner.kube.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The names coroner's resources share: the API group and version, the finalizer, the labels. The
 * RBAC vocabulary (group {@code coroner.dev}, resources {@code coredumps}, {@code
 * coredumpdownloads} and {@code coredumpsnapshots}) is the chart's ClusterRoles' too.
 */
public final class CoronerApi {
  /** The API group of every coroner resource. */
  public static final String GROUP = "coroner.dev";

  /** The one version served. */
  public static final String VERSION = "v1";

  /** {@code coroner.dev/v1}. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** The CoreDump resource's plural, as RBAC rules and kubectl name it. */
  public static final String COREDUMPS = "coredumps";

  /** The CoreDumpDownload resource's plural. */
  public static final String DOWNLOADS = "coredumpdownloads";

  /** The CoreDumpSnapshot resource's plural. */
  public static final String SNAPSHOTS = "coredumpsnapshots";

  /**
   * The finalizer on every CoreDump: the controller deletes the dump's object in the bucket, then
   * removes it, so that deleting a CoreDump deletes the dump.
   */
  public static final String FINALIZER = GROUP + "/object";

  /** The crashed pod's name (host processes: none). */
  public static final String LABEL_POD = GROUP + "/pod";

  /** The pod's workload (a Deployment's name, a StatefulSet's, the pod's own without an owner). */
  public static final String LABEL_WORKLOAD = GROUP + "/workload";

  /** The workload's kind: Deployment, StatefulSet, DaemonSet, Job, pod. */
  public static final String LABEL_WORKLOAD_KIND = GROUP + "/workload-kind";

  /** The node the crash happened on. */
  public static final String LABEL_NODE = GROUP + "/node";

  /** {@code app.kubernetes.io/managed-by: coroner} on every CoreDump. */
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

  /** The value of {@link #LABEL_MANAGED_BY}. */
  public static final String MANAGER = "coroner";

  private static final Pattern LABEL_VALUE =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final int LABEL_LIMIT = 63;

  private CoronerApi() {}

  /**
   * {@code value} as a label value: at most 63 characters of {@code [-A-Za-z0-9_.]}, starting and
   * ending with a letter or digit. A longer or odd value (a long node name) keeps its head and gets
   * a short hash of the whole, so that two values stay apart; null or nothing usable gives null.
   */
  public static @Nullable String labelValue(@Nullable String value) {
    if (value == null) {
      return null;
    }
    if (value.length() <= LABEL_LIMIT && LABEL_VALUE.matcher(value).matches()) {
      return value;
    }
    String cleaned = value.replaceAll("[^-A-Za-z0-9_.]", "_");
    String hash = sha256(value).substring(0, 10);
    String head = cleaned.substring(0, Math.min(cleaned.length(), LABEL_LIMIT - hash.length() - 1));
    String v = (head + "-" + hash).replaceAll("^[^A-Za-z0-9]+", "");
    return v.isEmpty() ? null : v;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /**
   * A time as the API holds it (RFC 3339), or null when it is missing or malformed: a resource
   * anyone with edit rights may have written never makes a reader throw.
   */
  public static java.time.@Nullable Instant instant(@Nullable String text) {
    if (text == null) {
      return null;
    }
    try {
      return java.time.Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
