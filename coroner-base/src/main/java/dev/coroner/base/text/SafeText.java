package dev.coroner.base.text;

import org.jspecify.annotations.Nullable;

/**
 * Text that came from a crashed, possibly hostile process (its cmdline, comm, hostname, labels, log
 * lines), made safe to print: control characters (escape sequences, carriage returns, newlines,
 * bells, C1 controls) and unpaired surrogates become visible {@code \\xNN} / {@code \\uNNNN}
 * escapes, so nothing read from a dump can move the cursor, rewrite the terminal or fake a log
 * line.
 */
public final class SafeText {
  private SafeText() {}

  /**
   * One line for a terminal or a log: every control character escaped, newlines included; null
   * stays null.
   */
  public static @Nullable String line(@Nullable String s) {
    return escape(s, false);
  }

  /** Text that may span lines (a log tail): newlines and tabs kept, other controls escaped. */
  public static @Nullable String lines(@Nullable String s) {
    return escape(s, true);
  }

  /** Whether {@link #line} would change {@code s}. */
  public static boolean isSafeLine(@Nullable String s) {
    return s == null || s.equals(line(s));
  }

  private static @Nullable String escape(@Nullable String s, boolean keepLines) {
    if (s == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String replacement = null;
      if (keepLines && (c == '\n' || c == '\t')) {
        replacement = null;
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        replacement = String.format("\\x%02x", (int) c);
      } else if (c == '\\') {
        replacement = "\\\\";
      } else if (Character.isSurrogate(c)) {
        boolean paired =
            Character.isHighSurrogate(c)
                ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
        if (!paired) {
          replacement = String.format("\\u%04x", (int) c);
        }
      } else if (c == '\u2028'
          || c == '\u2029'
          || c == '\u202e'
          || c == '\u200e'
          || c == '\u200f') {
        // line separators and bidi overrides would reorder or break what a reader sees
        replacement = String.format("\\u%04x", (int) c);
      }
      if (replacement != null) {
        if (out == null) {
          out = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        out.append(replacement);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }
}
