package dev.coroner.dump;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a dump is scrubbed of secrets before it leaves the node or is listed as complete: the mode's
 * {@link #id()} is what config ({@code scrub=}, {@code CORONER_SCRUB}, the pod annotation {@code
 * coroner.dev/scrub}) and dump-info ({@code scrub.mode}) say.
 */
public enum ScrubMode {
  /** Not scrubbed: the core holds whatever the process held. */
  OFF,
  /** Every built-in rule and the process's secret environment values, same length, in place. */
  DEFAULT,
  /**
   * {@link #DEFAULT}, then the writable anonymous memory zeroed but stacks kept: native programs
   * only, it breaks llnode and jhsdb.
   */
  DROP_HEAP;

  /** {@code off}, {@code default} or {@code drop-heap}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Parses {@code off}, {@code default} or {@code drop-heap}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static ScrubMode parse(String text) {
    String t = text == null ? "" : text.trim();
    return Arrays.stream(values())
        .filter(m -> m.id().equalsIgnoreCase(t))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "scrub must be off, default or drop-heap: '" + text + "'"));
  }
}
