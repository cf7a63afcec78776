package dev.coroner.seal;

import dev.coroner.scrub.Scrubber;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Scrubs the text dump-info carries from the process and its pod. Blanking keeps byte lengths, and
 * {@code *} is one byte in UTF-8 as in the original, so a scrubbed list splits where it did.
 */
final class TextFields {
  private TextFields() {}

  /** The strings joined by NUL (as {@code /proc/PID/cmdline} had them), scrubbed, split again. */
  static List<String> scrubJoined(Scrubber scrubber, List<String> parts, Map<String, Long> counts) {
    if (parts.isEmpty()) {
      return parts;
    }
    byte[] joined = String.join("\0", parts).getBytes(StandardCharsets.UTF_8);
    DumpScrubber.add(counts, scrubber.scrubText(joined));
    String[] split = new String(joined, StandardCharsets.UTF_8).split("\0", -1);
    if (split.length != parts.size()) {
      // A value with a NUL inside (not from /proc): keep the count, scrub each on its own.
      List<String> out = new ArrayList<>();
      for (String p : parts) {
        out.add(scrub(scrubber, p, counts));
      }
      return out;
    }
    return List.of(split);
  }

  /** Each value scrubbed on its own; keys are names, not data. */
  static Map<String, String> scrubValues(
      Scrubber scrubber, Map<String, String> values, Map<String, Long> counts) {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, v == null ? null : scrub(scrubber, v, counts)));
    return out;
  }

  /** One value scrubbed; null stays null. */
  static @Nullable String scrubOne(
      Scrubber scrubber, @Nullable String value, Map<String, Long> counts) {
    return value == null ? null : scrub(scrubber, value, counts);
  }

  private static String scrub(Scrubber scrubber, String value, Map<String, Long> counts) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    DumpScrubber.add(counts, scrubber.scrubText(b));
    return new String(b, StandardCharsets.UTF_8);
  }
}
