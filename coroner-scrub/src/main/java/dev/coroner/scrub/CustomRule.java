package dev.coroner.scrub;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A caller's regular expression, reported as {@code custom:NAME}. It is matched within runs of
 * printable text (one-byte and UTF-16LE), and every character of a match is blanked.
 *
 * @param name a short name, letters, digits, {@code -} and {@code _}
 * @param pattern the expression; a match may span at most one text run
 */
public record CustomRule(String name, Pattern pattern) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

  public CustomRule {
    Objects.requireNonNull(pattern, "pattern");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a custom rule's name must be 1-40 letters, digits, '-' or '_': '" + name + "'");
    }
  }

  /** Compiles {@code regex} into a rule named {@code name}. */
  public static CustomRule of(String name, String regex) {
    return new CustomRule(name, Pattern.compile(regex));
  }

  /** The id in reports. */
  public String id() {
    return "custom:" + name;
  }
}
