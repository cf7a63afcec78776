package dev.coroner.agent.trigger;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which pods' containers the agent watches for snapshot triggers, and what fires them
 * (docs/agent.md, "Snapshot triggers"). Off unless {@code enabled}: then nothing is listed or
 * watched.
 *
 * @param enabled whether the agent watches its node's pods for triggers at all
 * @param everyPod the triggers of every pod on the node without the annotation {@link #ANNOTATION}
 * @param livenessFailures the consecutive failed liveness probes that fire {@link Trigger#LIVENESS}
 * @param memoryPercent the share of the memory limit a working set reaches to fire {@link
 *     Trigger#MEMORY}
 * @param cpuPercent the share of the CPU quota (no quota: of the node's CPUs) that fires {@link
 *     Trigger#CPU}, on average over {@code cpuDuration}
 * @param cpuDuration the span the CPU is averaged over
 * @param interval how often memory and CPU are read from each container's cgroup
 * @param workloadWindow at most one request per workload within this window; zero: no limit
 * @param serviceAccount the agent's own user, {@code system:serviceaccount:NS:NAME}, when the
 *     environment says; null: from the service account token, else {@code coroner-agent}
 */
public record TriggerPolicy(
    boolean enabled,
    Set<Trigger> everyPod,
    int livenessFailures,
    int memoryPercent,
    int cpuPercent,
    Duration cpuDuration,
    Duration interval,
    Duration workloadWindow,
    @Nullable String serviceAccount) {

  /** The pod annotation that names a pod's own triggers ({@code liveness,memory}, or none). */
  public static final String ANNOTATION = "coroner.dev/snapshot-on";

  /** The annotation's value that opts a pod out of every trigger. */
  public static final String NONE = "none";

  public TriggerPolicy {
    everyPod = everyPod.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(everyPod));
  }

  /** No triggers: the default. */
  public static TriggerPolicy off() {
    return new TriggerPolicy(
        false,
        Set.of(),
        2,
        90,
        90,
        Duration.ofSeconds(60),
        Duration.ofSeconds(5),
        Duration.ofMinutes(30),
        null);
  }

  /**
   * The triggers of a pod whose annotation {@link #ANNOTATION} is {@code annotation} (null: it has
   * none, and gets {@link #everyPod}). The annotation replaces {@link #everyPod}: {@code memory}
   * watches only the memory; {@code none} opts the pod out. Words that name no trigger are left out
   * ({@link #unknownWords} lists them); {@code none} among them wins.
   */
  public Set<Trigger> triggersFor(@Nullable String annotation) {
    if (!enabled) {
      return Set.of();
    }
    if (annotation == null) {
      return everyPod;
    }
    Set<String> words = words(annotation);
    if (words.contains(NONE)) {
      return Set.of();
    }
    Set<Trigger> triggers = EnumSet.noneOf(Trigger.class);
    for (String word : words) {
      for (Trigger t : Trigger.values()) {
        if (t.id().equals(word)) {
          triggers.add(t);
        }
      }
    }
    return triggers.isEmpty() ? Set.of() : Set.copyOf(triggers);
  }

  /** The words of {@code annotation} that name no trigger (and are not {@link #NONE}). */
  public static Set<String> unknownWords(String annotation) {
    Set<String> unknown = new LinkedHashSet<>();
    for (String word : words(annotation)) {
      boolean known = word.equals(NONE);
      for (Trigger t : Trigger.values()) {
        known |= t.id().equals(word);
      }
      if (!known) {
        unknown.add(word);
      }
    }
    return unknown;
  }

  private static Set<String> words(String annotation) {
    Set<String> words = new LinkedHashSet<>();
    for (String w : annotation.split(",")) {
      String word = w.trim().toLowerCase(Locale.ROOT);
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    return words;
  }
}
