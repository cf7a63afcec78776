package dev.coroner.node;

/** Words for the POSIX shell scripts node setup writes. */
final class Shell {
  private Shell() {}

  /** {@code word} as one shell word: as it is when that is safe, else in single quotes. */
  static String quote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
