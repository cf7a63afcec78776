package dev.coroner.cli.dumps;

import dev.coroner.base.units.Durations;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * A point in time given as an age ({@code 2h}, {@code 7d}: that long ago), epoch seconds, an
 * instant ({@code 2026-11-27T08:00:00Z}), a time as tables print it ({@code 2026-11-27 08:00:00
 * UTC}), a local date-time ({@code 2026-11-27T08:00} or {@code 2026-11-27 08:00}) or a local date
 * ({@code 2026-11-27}, its start).
 */
final class TimeArg {
  private TimeArg() {}

  static Instant parse(String text, Instant now, ZoneId zone) {
    String t = text.trim();
    try {
      return now.minus(Durations.parse(t));
    } catch (IllegalArgumentException notADuration) {
      // try the other forms
    }
    if (!t.isEmpty() && t.length() <= 12 && t.chars().allMatch(Character::isDigit)) {
      return Instant.ofEpochSecond(Long.parseLong(t)); // epoch seconds, as %t and dump names have
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      // next
    }
    try {
      return java.time.ZonedDateTime.parse(t, DumpViews.TIME).toInstant(); // as tables print it
    } catch (DateTimeParseException e) {
      // next
    }
    try {
      return LocalDateTime.parse(t.replace(' ', 'T')).atZone(zone).toInstant();
    } catch (DateTimeParseException e) {
      // next
    }
    try {
      return LocalDate.parse(t).atStartOfDay(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "not a time: '"
              + text
              + "'; use an age like 2h or 7d, a date like 2026-11-27, 2026-11-27T08:00, a time as"
              + " 'coroner list' prints it (2026-11-27 08:00:00 UTC) or epoch seconds");
    }
  }
}
