package dev.coroner.scrub;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

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
  private final @Nullable CustomScanner custom;
  private final int[] digits = new int[Cards.MAX_DIGITS];
  final Window w = new Window();

  /** Matches per {@link Rule} ordinal. */
  final long[] counts = new long[Rule.values().length];

  BufferScanner(Candidates cand, @Nullable CustomScanner custom) {
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
    // The five bytes under the prefilter roll through locals: one array load per position.
    int c0 = b[i] & 0xff;
    int c1 = b[i + 1] & 0xff;
    int c2 = b[i + 2] & 0xff;
    int c3 = b[i + 3] & 0xff;
    int c4 = b[i + 4] & 0xff;
    for (int j = i; j < end; j++) {
      if ((t1[(c0 << 8) | c1] & t2[(c2 << 8) | c4]) != 0) {
        return j;
      }
      c0 = c1;
      c1 = c2;
      c2 = c3;
      c3 = c4;
      c4 = b[j + 5] & 0xff;
    }
    return end;
  }

  /** Tries the rules in {@code bits} (one-byte, then UTF-16LE) at {@code p}; where to go on. */
  // counts has one slot per Rule, by ordinal: no map lookup in the scanning loop.
  @SuppressWarnings("EnumOrdinal")
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

  /** One rule's attempt at a position; returns the end of its match or -1. */
  private interface Attempt {
    int at(BufferScanner sc, int p, int s);
  }

  // Bit k of the prefilter (Candidates) is rule RULES[k], tried in this order. Called through an
  // interface with one class per rule, the call site stays megamorphic: the JIT compiles each
  // rule on its own instead of inlining all of them into the scan loop, whose compilation would
  // then take seconds while the loop runs slow code.
  private static final int[] ORDER = {4, 3, 1, 2, 5, 6, 0}; // PEM, JWT, AWS id, secret, ...
  private static final Rule[] RULES = {
    Rule.CARD,
    Rule.AWS_ACCESS_KEY_ID,
    Rule.AWS_SECRET_KEY,
    Rule.JWT,
    Rule.PEM_PRIVATE_KEY,
    Rule.BEARER,
    Rule.URL_CREDENTIALS
  };
  private static final Attempt[] ATTEMPTS = {
    (sc, p, s) -> Detectors.card(sc.w, p, s, sc.digits),
    (sc, p, s) -> Detectors.awsKeyId(sc.w, p, s),
    (sc, p, s) -> Detectors.awsSecretKey(sc.w, p, s),
    (sc, p, s) -> Detectors.jwt(sc.w, p, s),
    (sc, p, s) -> Pem.privateKey(sc.w, p, s),
    (sc, p, s) -> Detectors.bearer(sc.w, p, s),
    (sc, p, s) -> Detectors.urlCredentials(sc.w, p, s)
  };

  private int rules(int p, int bits, int s) {
    for (int k : ORDER) {
      if ((bits & (1 << k)) != 0) {
        int end = ATTEMPTS[k].at(this, p, s);
        if (end > 0) {
          return hit(RULES[k], end);
        }
      }
    }
    return -1;
  }

  // counts has one slot per Rule, by ordinal: no map lookup in the scanning loop.
  @SuppressWarnings("EnumOrdinal")
  private int hit(Rule rule, int end) {
    counts[rule.ordinal()]++;
    return end;
  }

  /** The longest piece of a known value at {@code p}, blanked; its end, or -1. */
  private int envSecret(int p) {
    byte[] b = w.b;
    // Set whenever a candidate carries the ENV bit.
    Candidates.Piece[][] table = cand.envByPair;
    if (table == null) {
      return -1;
    }
    Candidates.Piece[] pieces = table[pair(b, p, p + 1)];
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
