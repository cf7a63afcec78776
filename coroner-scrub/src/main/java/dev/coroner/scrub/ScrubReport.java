package dev.coroner.scrub;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What one scrub did: how often each rule matched and how much was read, never the values found.
 * Only a {@link Status#COMPLETE} scrub may be passed on; after a {@link Status#FAILED} one, the
 * data may be partly scrubbed and must be discarded (the caller works on a private copy or a {@code
 * .partial} file and renames it only when complete).
 *
 * @param status whether every byte that had to be scanned was scanned and written back
 * @param matches rule id to number of matches, only rules that matched
 * @param bytesScanned bytes read by the rules (segments and note payloads of a core)
 * @param bytesZeroed bytes of heap zeroed by the heap drop
 * @param segmentsScanned writable PT_LOADs scanned (0 for text)
 * @param segmentsZeroed writable anonymous PT_LOADs zeroed by the heap drop
 * @param nanos how long it took
 * @param warnings what was odd but did not stop the scrub (a core cut short, say); no values
 * @param failure why the scrub failed, or null when complete; no values
 */
public record ScrubReport(
    Status status,
    Map<String, Long> matches,
    long bytesScanned,
    long bytesZeroed,
    int segmentsScanned,
    int segmentsZeroed,
    long nanos,
    List<String> warnings,
    @Nullable String failure) {

  /** How a scrub ended. */
  public enum Status {
    COMPLETE,
    FAILED
  }

  public ScrubReport {
    Objects.requireNonNull(status, "status");
    matches = Map.copyOf(matches);
    warnings = List.copyOf(warnings);
    if ((status == Status.FAILED) != (failure != null)) {
      throw new IllegalArgumentException("a failed report needs a reason, a complete one none");
    }
  }

  /** A report of a scrub that could not be done at all. */
  static ScrubReport failed(String why, long nanos) {
    return new ScrubReport(Status.FAILED, Map.of(), 0, 0, 0, 0, nanos, List.of(), why);
  }

  /** Whether the scrub is complete. */
  public boolean complete() {
    return status == Status.COMPLETE;
  }

  /** All matches, summed over the rules. */
  public long totalMatches() {
    return matches.values().stream().mapToLong(Long::longValue).sum();
  }

  /** One line for a log or {@code coroner info}: {@code complete: card=2 jwt=1; 1024 MiB}. */
  public String summary() {
    StringBuilder s = new StringBuilder(status == Status.COMPLETE ? "complete" : "FAILED");
    s.append(':');
    if (matches.isEmpty()) {
      s.append(" no matches");
    }
    new TreeMap<>(matches).forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
    s.append("; ").append(size(bytesScanned)).append(" scanned");
    if (bytesZeroed > 0) {
      s.append(", ").append(size(bytesZeroed)).append(" of heap zeroed");
    }
    if (failure != null) {
      s.append("; ").append(failure);
    }
    return s.toString();
  }

  private static String size(long bytes) {
    return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
  }
}
