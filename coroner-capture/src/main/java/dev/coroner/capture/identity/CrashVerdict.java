package dev.coroner.capture.identity;

import dev.coroner.dump.DumpInfo.PodInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The agent's answer to a {@link CrashQuery}: who crashed, the tail of the container's log, and
 * what to keep. The composer falls back to "unknown" and keeps everything when no verdict comes.
 *
 * @param decision what to keep
 * @param reason why a core is not kept (null for {@link Decision#CAPTURE}): for {@link
 *     Decision#SKIP} the policy's sentence, for {@link Decision#METADATA_ONLY} the flood's detail,
 *     which the dump keeps as its integrity detail beside the cause {@code flood}
 * @param pod the pod identity, or null when the runtime does not know the container
 * @param log the last lines of the container's log, newline-separated ("" when none)
 */
public record CrashVerdict(
    Decision decision, @Nullable String reason, @Nullable PodInfo pod, String log) {
  private static final String LABEL = "label.";
  private static final String ANNOTATION = "annotation.";

  public CrashVerdict {
    log = log == null ? "" : log;
  }

  /** Serialises for the socket. */
  public String encode() {
    Properties p = new Properties();
    p.setProperty("decision", decision.id());
    put(p, "reason", reason);
    if (pod != null) {
      put(p, "pod.namespace", pod.namespace());
      put(p, "pod.name", pod.name());
      put(p, "pod.uid", pod.uid());
      put(p, "pod.container", pod.container());
      put(p, "pod.image", pod.image());
      put(p, "pod.image_digest", pod.imageDigest());
      put(p, "pod.restart_count", pod.restartCount() == null ? null : "" + pod.restartCount());
      put(p, "pod.node", pod.node());
      pod.labels().forEach((k, v) -> p.setProperty(LABEL + k, v));
      pod.annotations().forEach((k, v) -> p.setProperty(ANNOTATION + k, v));
    }
    p.setProperty("log", log);
    return CrashQuery.Wire.store(p);
  }

  /**
   * Parses what {@link #encode()} wrote.
   *
   * @throws IllegalArgumentException if the decision is missing or unknown
   */
  public static CrashVerdict decode(String text) {
    Properties p = CrashQuery.Wire.load(text);
    Decision decision = Decision.parse(CrashQuery.Wire.required(p, "decision"));
    PodInfo pod = null;
    if (p.getProperty("pod.namespace") != null) {
      Map<String, String> labels = new HashMap<>();
      Map<String, String> annotations = new HashMap<>();
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith(LABEL)) {
          labels.put(k.substring(LABEL.length()), p.getProperty(k));
        } else if (k.startsWith(ANNOTATION)) {
          annotations.put(k.substring(ANNOTATION.length()), p.getProperty(k));
        }
      }
      String restarts = p.getProperty("pod.restart_count");
      pod =
          new PodInfo(
              p.getProperty("pod.namespace"),
              p.getProperty("pod.name"),
              p.getProperty("pod.uid"),
              p.getProperty("pod.container"),
              p.getProperty("pod.image"),
              p.getProperty("pod.image_digest"),
              restarts == null ? null : Integer.valueOf(restarts),
              p.getProperty("pod.node"),
              labels,
              annotations);
    }
    return new CrashVerdict(decision, p.getProperty("reason"), pod, p.getProperty("log", ""));
  }

  private static void put(Properties p, String key, @Nullable String value) {
    if (value != null) {
      p.setProperty(key, value);
    }
  }
}
