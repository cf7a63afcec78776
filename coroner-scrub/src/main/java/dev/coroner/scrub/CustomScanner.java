package dev.coroner.scrub;

import java.util.List;
import java.util.regex.Matcher;

/**
 * Applies the caller's regular expressions. A regex has no known first characters, so instead of
 * the pair prefilter it runs over each run of at least {@link #MIN_RUN} printable characters, one-
 * byte or UTF-16LE: an extra pass over the data, paid only when custom rules are set.
 */
final class CustomScanner {
  static final int MIN_RUN = 4;

  private final Matcher[] matchers;
  private final ByteChars chars = new ByteChars();

  /** Matches per rule. */
  final long[] counts;

  CustomScanner(List<CustomRule> rules) {
    matchers = new Matcher[rules.size()];
    counts = new long[rules.size()];
    for (int i = 0; i < matchers.length; i++) {
      matchers[i] = rules.get(i).pattern().matcher("");
    }
  }

  private static boolean printable(int c) {
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
  }

  /** Runs that start in {@code [from, to)}; a run that starts before {@code from} was seen. */
  void scan(Window w, int from, int to) {
    byte[] b = w.b;
    int i = from;
    // Skip the tail of a run the previous window already scanned.
    if (i > w.lo && printable(b[i - 1] & 0xff)) {
      while (i < to && printable(b[i] & 0xff)) {
        i++;
      }
    } else if (i - 1 > w.lo && b[i - 1] == 0 && printable(b[i - 2] & 0xff)) {
      while (i + 1 < w.limit && b[i + 1] == 0 && printable(b[i] & 0xff)) {
        i += 2;
      }
    }
    while (i < to) {
      if (!printable(b[i] & 0xff)) {
        i++;
        continue;
      }
      int j = i;
      if (i + 3 < w.limit && b[i + 1] == 0 && printable(b[i + 2] & 0xff) && b[i + 3] == 0) {
        while (j + 1 < w.limit && b[j + 1] == 0 && printable(b[j] & 0xff)) {
          j += 2;
        }
        run(w, i, (j - i) / 2, 2);
      } else {
        while (j < w.limit && printable(b[j] & 0xff)) {
          j++;
        }
        run(w, i, j - i, 1);
      }
      i = Math.max(j, i + 1);
    }
  }

  private void run(Window w, int start, int length, int s) {
    if (length < MIN_RUN) {
      return;
    }
    chars.reset(w.b, start, length, s);
    for (int r = 0; r < matchers.length; r++) {
      Matcher m = matchers[r].reset(chars);
      while (m.find()) {
        if (m.end() > m.start()) {
          w.blank(start + m.start() * s, start + m.end() * s, s);
          counts[r]++;
        }
      }
    }
  }

  /** One text run of a window as characters, without copying. */
  private static final class ByteChars implements CharSequence {
    private byte[] b = new byte[0];
    private int off;
    private int len;
    private int stride;

    void reset(byte[] bytes, int offset, int length, int s) {
      b = bytes;
      off = offset;
      len = length;
      stride = s;
    }

    @Override
    public int length() {
      return len;
    }

    @Override
    public char charAt(int index) {
      return (char) (b[off + index * stride] & 0xff);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      StringBuilder sb = new StringBuilder(end - start);
      for (int i = start; i < end; i++) {
        sb.append(charAt(i));
      }
      return sb.toString();
    }

    @Override
    public String toString() {
      return subSequence(0, len).toString();
    }
  }
}
