package dev.coroner.store.s3;

import dev.coroner.dump.Compression;
import dev.coroner.dump.CrashAnalysis;
import dev.coroner.dump.DumpInfo;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The dump-info fields that travel as object metadata, so that listing a remote store needs no
 * download. Values are percent-encoded (HTTP headers are ASCII) and capped, because S3 allows 2 KiB
 * of user metadata per object; the full dump-info is stored beside the zip.
 */
public final class DumpMetadata {
  private static final int MAX_VALUE = 200;

  private DumpMetadata() {}

  /** An object without coroner's metadata: not a dump coroner stored. */
  public static final class ForeignObjectException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ForeignObjectException(String message) {
      super(message);
    }
  }

  /** A dump stored by a newer coroner, with a schema this code does not read. */
  public static final class NewerSchemaException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    NewerSchemaException(String message) {
      super(message);
    }
  }

  /** Metadata for a dump, keys without the {@code x-amz-meta-} prefix. */
  public static Map<String, String> of(DumpInfo i) {
    Map<String, String> m = new LinkedHashMap<>();
    put(m, "coroner-schema", Integer.toString(i.schemaVersion()));
    put(m, "uuid", i.uuid());
    put(m, "name", i.name());
    put(m, "timestamp", Long.toString(i.timestamp()));
    put(m, "hostname", i.hostname());
    put(m, "node", i.nodeHostname());
    put(m, "exe", i.process().exe());
    put(m, "exe-path", i.process().exePath());
    put(m, "pid", Long.toString(i.process().pid()));
    put(m, "host-pid", Long.toString(i.process().hostPid()));
    put(m, "signal", Integer.toString(i.process().signal()));
    put(m, "container-id", i.process().containerId());
    if (i.pod() != null) {
      put(m, "namespace", i.pod().namespace());
      put(m, "pod", i.pod().name());
      put(m, "pod-uid", i.pod().uid());
      put(m, "container", i.pod().container());
      put(m, "image", i.pod().image());
      put(m, "image-digest", i.pod().imageDigest());
    }
    put(m, "core-entry", i.core().entry());
    put(m, "core-compression", i.core().compression() == null ? null : i.core().compression().id());
    put(m, "core-size", Long.toString(i.core().size()));
    put(m, "core-sha256", i.core().sha256());
    put(m, "truncated", Boolean.toString(i.integrity().truncated()));
    put(m, "truncated-cause", i.integrity().cause() == null ? null : i.integrity().cause().id());
    put(m, "truncated-reason", i.integrity().reason());
    put(m, "composer", i.composer().version());
    CrashAnalysis analysis = i.analysis();
    if (analysis != null) {
      // What `coroner list` shows and `coroner groups` groups by; the frames are in dump-info.
      put(m, "runtime", analysis.runtime());
      put(m, "signature", analysis.signature());
      put(m, "signature3", analysis.signature3());
      put(m, "top-frame", analysis.topFrame());
    }
    DumpInfo.ScrubInfo scrub = i.scrub();
    if (scrub != null) {
      put(m, "scrub-mode", scrub.mode());
      put(m, "scrub-complete", Boolean.toString(scrub.complete()));
      put(m, "scrub-rules", rules(scrub.rules()));
    }
    DumpInfo.EncryptionInfo encryption = i.encryption();
    if (encryption != null) {
      put(m, "encryption", encryption.format());
      put(m, "encryption-recipients", String.join(" ", encryption.recipients()));
    }
    fitBudget(m);
    return m;
  }

  /**
   * S3 refuses an object whose user metadata, keys and values, passes 2 KiB (MetadataTooLarge), and
   * the upload would be retried forever. What does not fit goes, longest-living text first; a
   * listing then reads it from the dump-info beside the object ({@code coroner info}).
   */
  static final int BUDGET = 1900;

  /** Dropped in this order until the metadata fits; parse reads each as absent. */
  static final List<String> DROPPABLE =
      List.of(
          "top-frame",
          "truncated-reason",
          "encryption-recipients",
          "scrub-rules",
          "exe-path",
          "image",
          "hostname",
          "container-id",
          "image-digest",
          "pod-uid");

  private static void fitBudget(Map<String, String> m) {
    for (String key : DROPPABLE) {
      if (size(m) <= BUDGET) {
        return;
      }
      m.remove(key);
    }
  }

  /** The metadata's size as S3 counts it: the UTF-8 bytes of every key and value. */
  static int size(Map<String, String> m) {
    int n = 0;
    for (var e : m.entrySet()) {
      n += e.getKey().getBytes(StandardCharsets.UTF_8).length;
      n += e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  /**
   * Rebuilds as much dump-info as metadata carries: enough to list, filter and name a dump. The
   * command line, file list and warnings are only in the full dump-info.
   *
   * @throws ForeignObjectException if the metadata is not coroner's
   * @throws NewerSchemaException if a newer coroner stored it
   */
  public static DumpInfo parse(Map<String, String> raw) {
    Map<String, String> m = new LinkedHashMap<>();
    raw.forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), decode(v)));
    if (!m.containsKey("uuid") || !m.containsKey("coroner-schema")) {
      throw new ForeignObjectException("no coroner metadata on this object");
    }
    int schema = (int) number(m, "coroner-schema");
    if (schema > DumpInfo.SCHEMA_VERSION) {
      throw new NewerSchemaException(
          "stored with dump-info schema "
              + schema
              + "; this coroner reads up to "
              + DumpInfo.SCHEMA_VERSION);
    }
    DumpInfo.PodInfo pod =
        m.containsKey("namespace")
            ? new DumpInfo.PodInfo(
                m.get("namespace"),
                required(m, "pod"),
                // The listing index keeps only what a listing shows: no pod uid, no image.
                m.getOrDefault("pod-uid", ""),
                m.getOrDefault("container", ""),
                m.getOrDefault("image", ""),
                m.get("image-digest"),
                null,
                null,
                Map.of(),
                Map.of())
            : null;
    return new DumpInfo(
        schema,
        m.get("uuid"),
        required(m, "name"),
        number(m, "timestamp"),
        m.get("hostname"),
        required(m, "node"),
        new DumpInfo.ProcessInfo(
            m.get("exe"),
            m.get("exe-path"),
            List.of(),
            number(m, "pid"),
            number(m, "host-pid"),
            number(m, "pid"),
            number(m, "host-pid"),
            -1,
            -1,
            (int) number(m, "signal"),
            m.get("container-id"),
            null,
            false),
        pod,
        new DumpInfo.CoreInfo(
            m.get("core-entry"),
            m.containsKey("core-compression") ? Compression.parse(m.get("core-compression")) : null,
            number(m, "core-size"),
            0,
            m.get("core-sha256"),
            null),
        DumpInfo.Integrity.read(
            Boolean.parseBoolean(m.get("truncated")),
            m.get("truncated-cause"),
            m.get("truncated-reason")),
        List.of(),
        new DumpInfo.ComposerInfo(m.getOrDefault("composer", "unknown"), 0, List.of()),
        null,
        m.containsKey("scrub-mode")
            ? new DumpInfo.ScrubInfo(
                m.getOrDefault("scrub-mode", ""),
                rules(m.getOrDefault("scrub-rules", "")),
                Boolean.parseBoolean(m.get("scrub-complete")),
                0)
            : null,
        m.containsKey("encryption")
            ? new DumpInfo.EncryptionInfo(
                m.getOrDefault("encryption", "age"),
                List.of(m.getOrDefault("encryption-recipients", "").split(" +")).stream()
                    .filter(r -> r.startsWith("age1") && r.length() == 62)
                    .toList(),
                DumpInfo.WITHHELD)
            : null,
        m.containsKey("runtime")
            ? CrashAnalysis.listed(
                m.get("runtime"), m.get("signature"), m.get("signature3"), m.get("top-frame"))
            : null,
        List.of());
  }

  /** {@code card=3,jwt=1}: rule ids and counts, never values. */
  private static String rules(Map<String, Long> rules) {
    StringBuilder b = new StringBuilder();
    rules.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  private static Map<String, Long> rules(String text) {
    Map<String, Long> rules = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        try {
          rules.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
        } catch (NumberFormatException e) {
          // a damaged count lists as no count
        }
      }
    }
    return rules;
  }

  /** A value {@link #of} always writes: without it the object is damaged. */
  private static String required(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("no " + key + " in the object's coroner metadata");
    }
    return v;
  }

  private static void put(Map<String, String> m, String key, @Nullable String value) {
    if (value != null) {
      String v = value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) : value;
      m.put(key, URLEncoder.encode(v, StandardCharsets.UTF_8));
    }
  }

  private static String decode(String v) {
    try {
      return URLDecoder.decode(v, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return v;
    }
  }

  private static long number(Map<String, String> m, String key) {
    try {
      return Long.parseLong(m.getOrDefault(key, "-1"));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
