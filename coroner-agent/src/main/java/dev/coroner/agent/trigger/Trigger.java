package dev.coroner.agent.trigger;

import dev.coroner.kube.api.CoreDumpSnapshotSpec;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What makes the agent ask for a snapshot of a live container (docs/agent.md). */
public enum Trigger {
  /** The Nth consecutive failed liveness probe, before the kubelet restarts the container. */
  LIVENESS(CoreDumpSnapshotSpec.LIVENESS),
  /** The container's working set above N% of its memory limit, before the OOM killer. */
  MEMORY(CoreDumpSnapshotSpec.MEMORY),
  /** The container above N% of its CPU for a while. */
  CPU(CoreDumpSnapshotSpec.CPU);

  private final String id;

  Trigger(String id) {
    this.id = id;
  }

  /** The word in values, the pod annotation, the request's {@code spec.trigger} and metrics. */
  public String id() {
    return id;
  }

  /**
   * The triggers a comma-separated list names ({@code liveness,memory}); blank names none.
   *
   * @throws IllegalArgumentException for a word that names no trigger
   */
  public static Set<Trigger> parseList(String text) {
    Set<Trigger> triggers = EnumSet.noneOf(Trigger.class);
    for (String word : text.split(",")) {
      String w = word.trim().toLowerCase(Locale.ROOT);
      if (w.isEmpty()) {
        continue;
      }
      triggers.add(parse(w));
    }
    return triggers;
  }

  /**
   * The trigger {@code word} names.
   *
   * @throws IllegalArgumentException for a word that names no trigger
   */
  public static Trigger parse(String word) {
    for (Trigger t : values()) {
      if (t.id.equals(word)) {
        return t;
      }
    }
    throw new IllegalArgumentException("'" + word + "' is not a trigger: liveness, memory or cpu");
  }
}
