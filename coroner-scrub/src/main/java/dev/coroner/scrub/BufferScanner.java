package dev.coroner.scrub;

import java.util.Arrays;

/**
 * Runs the rules over one window of bytes: skips all-zero 4 KiB blocks, finds candidate positions
 * through the {@link Candidates} prefilter and tries only the rules it names there. Matches may
 * start in {@code [from, to)} and run up to the window's limit. One per thread; counts add up over
 * the windows it scans.
 */
final class BufferScanner {
  private static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[BLOCK];

  private final Candidates cand;
  private final CustomScanner custom;
  private final int[] digits = new int[Cards.MAX_DIGITS];
  final Window w = new Window();

  /** Matches per {@link Rule} ordinal. */
  final long[] counts = new long[Rule.values().length];

  BufferScanner(Candidates cand, CustomScanner custom) {
    this.cand = cand;
    this.custom = custom;
  }

  /** Matches per custom rule, in the options' order; empty without custom rules. */
  long[] customCounts() {
    return custom == null ? new long[0] : custom.counts;
  }

  /**
   * Scans {@code b}: the window is {@code [0, limit)}, matches start in {@code [from, to)}. {@code
   * b} must have {@link Candidates#PAD} bytes after {@code limit}; they are overwritten with zeros.
   */
  void scan(byte[] b, int from, int to, int limit) {
    w.reset(b, 0, limit);
    Arrays.fill(b, limit, limit + Candidates.PAD, (byte) 0);
    short[] t1 = cand.first;
    short[] t2 = cand.second;
    int i = from;
    while (i < to) {
      int end = Math.min(to, i + BLOCK);
      if (end - i == BLOCK && Arrays.mismatch(b, i, end, ZEROS, 0, BLOCK) < 0) {
        i = end;
        continue;
      }
      while (i < end) {
        int j = nextCandidate(b, t1, t2, i, end);
        if (j >= end) {
          i = end;
          break;
        }
        i = tryAt(j, t1[pair(b, j, j + 1)] & t2[pair(b, j + 2, j + 4)]);
      }
    }
    if (custom != null) {
      custom.scan(w, from, to);
    }
  }

  private static int pair(byte[] b, int i, int k) {
    return ((b[i] & 0xff) << 8) | (b[k] & 0xff);
  }

  /** The first position in {@code [i, end)} that passes the prefilter, or {@code end}. */
  private static int nextCandidate(byte[] b, short[] t1, short[] t2, int i, int end) {
    for (int j = i; j < end; j++) {
      if ((t1[pair(b, j, j + 1)] & t2[pair(b, j + 2, j + 4)]) != 0) {
        return j;
      }
    }
    return end;
  }

  /** Tries the rules in {@code bits} (one-byte, then UTF-16LE) at {@code p}; where to go on. */
  private int tryAt(int p, int bits) {
    int end = (bits & 0x7f) != 0 ? rules(p, bits, 1) : -1;
    if (end < 0 && (bits & 0x7f00) != 0) {
      end = rules(p, bits >> 8, 2);
    }
    if (end < 0 && (bits & Candidates.ENV) != 0) {
      end = envSecret(p);
      if (end > 0) {
        counts[Rule.ENV_SECRET.ordinal()]++;
      }
    }
    return end > 0 ? end : p + 1;
  }

  private int rules(int p, int bits, int s) {
    int end;
    if ((bits & Candidates.PEM) != 0 && (end = Detectors.pemPrivateKey(w, p, s)) > 0) {
      return hit(Rule.PEM_PRIVATE_KEY, end);
    }
    if ((bits & Candidates.JWT) != 0 && (end = Detectors.jwt(w, p, s)) > 0) {
      return hit(Rule.JWT, end);
    }
    if ((bits & Candidates.AWS_ID) != 0 && (end = Detectors.awsKeyId(w, p, s)) > 0) {
      return hit(Rule.AWS_ACCESS_KEY_ID, end);
    }
    if ((bits & Candidates.AWS_SECRET) != 0 && (end = Detectors.awsSecretKey(w, p, s)) > 0) {
      return hit(Rule.AWS_SECRET_KEY, end);
    }
    if ((bits & Candidates.BEARER) != 0 && (end = Detectors.bearer(w, p, s)) > 0) {
      return hit(Rule.BEARER, end);
    }
    if ((bits & Candidates.URL) != 0 && (end = Detectors.urlCredentials(w, p, s)) > 0) {
      return hit(Rule.URL_CREDENTIALS, end);
    }
    if ((bits & Candidates.CARD) != 0 && (end = Detectors.card(w, p, s, digits)) > 0) {
      return hit(Rule.CARD, end);
    }
    return -1;
  }

  private int hit(Rule rule, int end) {
    counts[rule.ordinal()]++;
    return end;
  }

  /** The longest piece of a known value at {@code p}, blanked; its end, or -1. */
  private int envSecret(int p) {
    byte[] b = w.b;
    Candidates.Piece[] pieces = cand.envByPair[pair(b, p, p + 1)];
    if (pieces == null) {
      return -1;
    }
    Candidates.Piece best = null;
    int bestLength = 0;
    for (Candidates.Piece piece : pieces) {
      byte[] v = piece.bytes();
      int max = Math.min(v.length - piece.offset(), w.limit - p);
      if (max <= bestLength) {
        break; // sorted longest first: no later piece can be longer
      }
      int n = Arrays.mismatch(b, p, p + max, v, piece.offset(), piece.offset() + max);
      n = n < 0 ? max : n;
      if (piece.utf16()) {
        n &= ~1;
      }
      if (n >= piece.minLength() && n > bestLength) {
        best = piece;
        bestLength = n;
      }
    }
    if (best == null) {
      return -1;
    }
    w.blank(p, p + bestLength, best.utf16() ? 2 : 1);
    return p + bestLength;
  }
}
