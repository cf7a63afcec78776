package dev.coroner.agent.seal;

import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import java.util.Map;

/**
 * Which {@link ScrubMode} a dump gets before upload: the pod's annotation {@value #ANNOTATION} when
 * pods may choose, else its namespace's mode, else the node's default. Host processes count as
 * namespace {@code host}, containers whose pod is unknown as {@code unknown}.
 *
 * @param defaultMode {@code CORONER_SCRUB}
 * @param namespaces {@code CORONER_SCRUB_NAMESPACES}: namespace to mode
 * @param podOverride {@code CORONER_SCRUB_POD_OVERRIDE}: whether the annotation is honoured
 */
public record ScrubPolicy(
    ScrubMode defaultMode, Map<String, ScrubMode> namespaces, boolean podOverride) {
  /** The pod annotation that chooses a pod's mode: off, default or drop-heap. */
  public static final String ANNOTATION = "coroner.dev/scrub";

  public ScrubPolicy {
    namespaces = Map.copyOf(namespaces);
  }

  /** A mode and where it came from, for the log. */
  public record Choice(ScrubMode mode, String because) {}

  /** The mode for {@code info}'s dump. */
  public Choice choose(DumpInfo info) {
    String ns = namespaceOf(info);
    DumpInfo.PodInfo pod = info.pod();
    if (podOverride && pod != null) {
      String a = pod.annotations().get(ANNOTATION);
      if (a != null) {
        try {
          return new Choice(ScrubMode.parse(a), "pod annotation " + ANNOTATION);
        } catch (IllegalArgumentException e) {
          // A typo in a pod's annotation must not turn scrubbing off: fall through.
        }
      }
    }
    ScrubMode m = namespaces.get(ns);
    return m != null
        ? new Choice(m, "namespace " + ns)
        : new Choice(defaultMode, "the node's default");
  }

  /** The namespace as object keys name it: the pod's, {@code host} or {@code unknown}. */
  static String namespaceOf(DumpInfo info) {
    DumpInfo.PodInfo pod = info.pod();
    if (pod != null) {
      return pod.namespace();
    }
    return info.process().containerId() == null ? "host" : "unknown";
  }
}
