package dev.coroner.capture.settings;

import java.util.Arrays;
import java.util.Locale;

/** Whether the composer keeps the crashed process's environment; values hold secrets. */
public enum EnvironMode {
  /** Not collected (default). */
  OFF,
  /** Names kept, every value replaced by {@code <redacted>}. */
  REDACTED,
  /** Names and values kept. */
  FULL;

  /** The lower-case name used in config. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code off}, {@code redacted} or {@code full}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static EnvironMode parse(String text) {
    return Arrays.stream(values())
        .filter(m -> m.id().equalsIgnoreCase(text == null ? "" : text.trim()))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "environ must be off, redacted or full: '" + text + "'"));
  }
}
