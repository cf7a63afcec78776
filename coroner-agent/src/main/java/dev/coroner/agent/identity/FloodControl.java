package dev.coroner.agent.identity;

import dev.coroner.base.units.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * At most N cores per workload per sliding window, so one crash-looping pod cannot fill a node's
 * disk or a bucket. Past the limit a crash keeps its metadata and log, not its core.
 */
public final class FloodControl {
  /** Workloads remembered at most; the least recently seen are forgotten first. */
  private static final int MAX_WORKLOADS = 10_000;

  private final int maxCores;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Instant>> kept =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Instant>> eldest) {
          return size() > MAX_WORKLOADS;
        }
      };

  /**
   * Keeps at most {@code maxCores} cores per workload within any {@code window}.
   *
   * @param maxCores cores kept per workload per window; 0 means no limit
   */
  public FloodControl(int maxCores, Duration window, Clock clock) {
    this.maxCores = maxCores;
    this.window = window;
    this.clock = clock;
  }

  /**
   * Whether a core of {@code workload} may be kept now; counts it if so.
   *
   * @return null to keep the core, or why not: the detail of the dump's {@code flood} integrity
   *     cause, without the cause's name
   */
  public synchronized @Nullable String admit(String workload) {
    if (maxCores <= 0) {
      return null;
    }
    Instant now = clock.instant();
    Deque<Instant> times = kept.computeIfAbsent(workload, k -> new ArrayDeque<>());
    while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(window))) {
      times.removeFirst();
    }
    if (times.size() >= maxCores) {
      Duration wait = Duration.between(now, times.peekFirst().plus(window));
      return workload
          + " already kept "
          + maxCores
          + " cores within "
          + Durations.format(window)
          + " (CORONER_FLOOD_MAX_CORES, CORONER_FLOOD_WINDOW); next core in "
          + Math.max(1, wait.toSeconds())
          + " s";
    }
    times.addLast(now);
    return null;
  }
}
