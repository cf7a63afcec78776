package dev.coroner.scrub;

import java.util.Arrays;

/**
 * The bytes the rules look at, {@code b[lo, limit)}, read either as one-byte text (stride 1) or as
 * UTF-16LE text (stride 2, ASCII characters only: a unit with a non-zero high byte ends a token).
 * It records which bytes were blanked, so that only those are written back.
 */
final class Window {
  static final byte MASK = '*';

  byte[] b = new byte[0];
  int lo;
  int limit;
  private int[] dirty = new int[32];
  private int ndirty;

  void reset(byte[] bytes, int from, int to) {
    b = bytes;
    lo = from;
    limit = to;
    ndirty = 0;
  }

  /** The character at byte position {@code p}, or -1 outside the window or for a wide unit. */
  int ch(int p, int s) {
    if (p < lo || p > limit - s) {
      return -1;
    }
    if (s == 2 && b[p + 1] != 0) {
      return -1;
    }
    return b[p] & 0xff;
  }

  /**
   * Whether the characters from {@code p} are {@code lit}, ASCII letters compared ignoring case.
   */
  boolean matchesIgnoreCase(int p, int s, String lit) {
    for (int k = 0; k < lit.length(); k++) {
      int c = ch(p + k * s, s);
      if (c < 0 || (c | 0x20) != (lit.charAt(k) | 0x20)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the characters from {@code p} are exactly {@code lit}. */
  boolean matches(int p, int s, String lit) {
    for (int k = 0; k < lit.length(); k++) {
      if (ch(p + k * s, s) != lit.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Blanks the characters in byte positions {@code [from, to)}: {@code *}, or {@code *\0}. */
  void blank(int from, int to, int s) {
    if (s == 1) {
      Arrays.fill(b, from, to, MASK);
    } else {
      for (int i = from; i < to; i += 2) {
        b[i] = MASK;
        b[i + 1] = 0;
      }
    }
    mark(from, to);
  }

  /** Blanks {@code [from, to)} but keeps CR and LF, so blanked text keeps its lines. */
  void blankKeepingLines(int from, int to, int s) {
    for (int i = from; i < to; i += s) {
      int c = b[i];
      if (c != '\n' && c != '\r') {
        b[i] = MASK;
        if (s == 2) {
          b[i + 1] = 0;
        }
      }
    }
    mark(from, to);
  }

  private void mark(int from, int to) {
    if (ndirty > 0 && dirty[ndirty - 1] >= from) {
      dirty[ndirty - 1] = Math.max(dirty[ndirty - 1], to);
      return;
    }
    if (ndirty + 2 > dirty.length) {
      dirty = Arrays.copyOf(dirty, dirty.length * 2);
    }
    dirty[ndirty++] = from;
    dirty[ndirty++] = to;
  }

  /** The blanked ranges as {@code [from0, to0, from1, to1, ...]}; they may overlap. */
  int[] dirtyRanges() {
    return Arrays.copyOf(dirty, ndirty);
  }

  boolean isDirty() {
    return ndirty > 0;
  }
}
