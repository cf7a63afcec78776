package dev.coroner.analysis;

import java.util.regex.Pattern;

/**
 * Hygiene for text that comes out of a debugger reading a crashed program's memory: symbol names,
 * script names and thread names are the crashed program's data, so they may hold anything.
 */
final class Text {
  // CSI and OSC sequences first, so their parameters go with them, then single control chars.
  private static final Pattern ANSI =
      Pattern.compile("\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(?:\u0007|\u001B\\\\)?");
  // C0 except tab and newline, DEL, C1, and the bidirectional overrides that reorder a line.
  private static final Pattern CONTROL =
      Pattern.compile("[\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]");

  private Text() {}

  /** Tool output with escape sequences and control characters removed (tabs, newlines kept). */
  static String clean(String s) {
    if (s == null || s.isEmpty()) {
      return s;
    }
    return CONTROL.matcher(ANSI.matcher(s).replaceAll("")).replaceAll("");
  }

  /** At most {@code max} characters, with an ellipsis when cut. */
  static String cap(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "…";
  }

  /** The last path element: {@code /app/lib/index.js} gives {@code index.js}. */
  static String basename(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    int slash = p.lastIndexOf('/');
    return slash < 0 ? p : p.substring(slash + 1);
  }
}
