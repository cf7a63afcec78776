package dev.coroner.agent.identity;

import dev.coroner.dump.DumpInfo.PodInfo;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which crashes keep a core: namespaces to include or exclude, and a per-pod label or annotation
 * ({@value #KEY}) that opts a pod out (default mode) or in ({@code opt-in} mode).
 *
 * @param optIn true: only pods with {@value #KEY}=true are captured
 * @param include namespaces to capture (empty: all)
 * @param exclude namespaces never captured; wins over include
 */
public record CapturePolicy(boolean optIn, Set<String> include, Set<String> exclude) {
  /** The pod label or annotation that opts a pod in or out. */
  public static final String KEY = "coroner.dev/capture";

  public CapturePolicy {
    include = Set.copyOf(include);
    exclude = Set.copyOf(exclude);
  }

  /** Capture everything. */
  public static CapturePolicy all() {
    return new CapturePolicy(false, Set.of(), Set.of());
  }

  /**
   * Why this pod's crash keeps no core, or null to keep it. A pod the runtime could not name is
   * always kept: nothing is dropped on missing information.
   */
  public @Nullable String skipReason(@Nullable PodInfo pod) {
    if (pod == null) {
      return null;
    }
    String ns = pod.namespace();
    if (exclude.contains(ns)) {
      return "policy: namespace " + ns + " is excluded (CORONER_NAMESPACES_EXCLUDE)";
    }
    if (!include.isEmpty() && !include.contains(ns)) {
      return "policy: namespace " + ns + " is not included (CORONER_NAMESPACES_INCLUDE)";
    }
    String value = pod.labels().getOrDefault(KEY, pod.annotations().get(KEY));
    String v = value == null ? null : value.trim().toLowerCase(Locale.ROOT);
    if (optIn && !"true".equals(v)) {
      return "policy: pod " + pod.qualifiedName() + " has no " + KEY + "=true (opt-in mode)";
    }
    if (!optIn && "false".equals(v)) {
      return "policy: pod " + pod.qualifiedName() + " opted out with " + KEY + "=false";
    }
    return null;
  }
}
