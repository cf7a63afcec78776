package dev.coroner.scrub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The prefilter. A position {@code j} is a candidate for a rule only if the rule may have bytes
 * {@code (b[j], b[j+1])} there, per {@link #first}, and bytes {@code (b[j+2], b[j+4])}, per {@link
 * #second}: two table lookups and an AND per byte reject almost all of binary data and most of
 * text. The low 8 bits are one-byte rules; the high 8 bits are the same rules in UTF-16LE, where
 * the pairs read as (first character, its zero high byte) and (second character, third character).
 * Built once per {@link Scrubber} and shared, read-only, by its threads.
 */
final class Candidates {
  static final int CARD = 1;
  static final int AWS_ID = 2;
  static final int AWS_SECRET = 4;
  static final int JWT = 8;
  static final int PEM = 16;
  static final int BEARER = 32;
  static final int URL = 64;

  /** Exact values: one bit for every encoding, since the values are compared byte by byte. */
  static final int ENV = 128 | (128 << 8);

  /** How many bytes after a window the prefilter reads; buffers need that many spare bytes. */
  static final int PAD = 6;

  private static final String DIGITS = "0123456789";
  private static final String UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + DIGITS;
  private static final String ALNUM = UPPER_ALNUM + "abcdefghijklmnopqrstuvwxyz";
  private static final String B64URL = ALNUM + "-_";
  private static final String B64 = ALNUM + "+/";

  final short[] first = new short[1 << 16];
  final short[] second = new short[1 << 16];

  /** The pieces of known values starting with each byte pair, longest first; null for none. */
  final Piece @Nullable [][] envByPair;

  private Candidates(Set<Rule> rules, EnvSecrets env) {
    if (rules.contains(Rule.CARD)) {
      // The first group of a card number has 4 digits: contiguous, or then a separator.
      rule(CARD, "23456", DIGITS, DIGITS, DIGITS + " -", DIGITS, DIGITS);
    }
    if (rules.contains(Rule.AWS_ACCESS_KEY_ID)) {
      rule(AWS_ID, "A", "KSBC3", "ICT", UPPER_ALNUM, "KSBC3", "ICT");
    }
    if (rules.contains(Rule.AWS_SECRET_KEY)) {
      rule(AWS_SECRET, "sS", "eE", "cC", "eE", "eE", "cC");
    }
    if (rules.contains(Rule.JWT)) {
      rule(JWT, "e", "y", "J", B64URL, "y", "J");
    }
    if (rules.contains(Rule.PEM_PRIVATE_KEY)) {
      // BEGIN and END lines; a key's body line after LF or after the escape \n.
      rule(PEM, "-", "-", "-", "-", "-", "-");
      rule(PEM, "\n", B64, B64, B64, B64, B64);
      rule(PEM, "\\", "n", B64, B64, "n", B64);
    }
    if (rules.contains(Rule.BEARER)) {
      rule(BEARER, "bB", "eE", "aA", "eE", "eE", "aA");
    }
    if (rules.contains(Rule.URL_CREDENTIALS)) {
      StringBuilder printable = new StringBuilder();
      for (char c = '!'; c < 0x7f; c++) {
        printable.append(c);
      }
      rule(URL, ":", "/", "/", printable.toString(), "/", "/");
    }
    envByPair = rules.contains(Rule.ENV_SECRET) && !env.isEmpty() ? envTable(env) : null;
  }

  static Candidates of(Set<Rule> rules, EnvSecrets env) {
    return new Candidates(rules, env);
  }

  /**
   * A rule's characters: one-byte at offsets 0, 1, 2 and 4; UTF-16LE first character (c0), second
   * ({@code w1}) and third ({@code w2}).
   */
  private void rule(int bit, String c0, String c1, String c2, String c4, String w1, String w2) {
    for (int i = 0; i < c0.length(); i++) {
      char a = c0.charAt(i);
      for (int j = 0; j < c1.length(); j++) {
        first[(a << 8) | c1.charAt(j)] |= (short) bit;
      }
      first[a << 8] |= (short) (bit << 8);
    }
    for (int i = 0; i < c2.length(); i++) {
      char a = c2.charAt(i);
      for (int j = 0; j < c4.length(); j++) {
        second[(a << 8) | c4.charAt(j)] |= (short) bit;
      }
    }
    for (int i = 0; i < w1.length(); i++) {
      char a = w1.charAt(i);
      for (int j = 0; j < w2.length(); j++) {
        second[(a << 8) | w2.charAt(j)] |= (short) (bit << 8);
      }
    }
  }

  /**
   * One place a known value may start matching: at {@code offset} of one of its forms. A match at
   * offset 0 may be the whole value; elsewhere it must be a piece of at least {@link #PIECE}
   * characters: runtimes keep pieces of strings (string builders' parts, freed memory whose first
   * bytes the allocator reused).
   */
  // Compared by identity only; the bytes are never changed.
  @SuppressWarnings("ArrayRecordComponent")
  record Piece(byte[] bytes, boolean utf16, int offset) {
    int minLength() {
      int piece = utf16 ? 2 * PIECE : PIECE;
      return offset == 0 ? Math.min(piece, bytes.length) : piece;
    }
  }

  /** The shortest piece of a known value that is blanked on its own, in characters. */
  static final int PIECE = 12;

  // A value like "AAAA...AAAA" would put a piece at every offset under one byte pair, and every
  // "AA" of the core would compare them all. The longest pieces per pair suffice: a piece that
  // starts at a dropped offset is found from the next one.
  private static final int MAX_PIECES_PER_PAIR = 64;

  private Piece[][] envTable(EnvSecrets env) {
    List<List<Piece>> byPair = new ArrayList<>(1 << 16);
    for (int i = 0; i < 1 << 16; i++) {
      byPair.add(null);
    }
    boolean wildcard = false;
    for (EnvSecrets.Form f : env.forms()) {
      byte[] v = f.bytes();
      int step = f.utf16() ? 2 : 1;
      for (int off = 0; off + 1 < v.length; off += step) {
        Piece piece = new Piece(v, f.utf16(), off);
        if (v.length - off < piece.minLength()) {
          break;
        }
        int pair = ((v[off] & 0xff) << 8) | (v[off + 1] & 0xff);
        first[pair] |= (short) ENV;
        if (off + 4 < v.length) {
          second[((v[off + 2] & 0xff) << 8) | (v[off + 4] & 0xff)] |= (short) ENV;
        } else {
          wildcard = true;
        }
        if (byPair.get(pair) == null) {
          byPair.set(pair, new ArrayList<>());
        }
        byPair.get(pair).add(piece);
      }
    }
    if (wildcard) {
      for (int i = 0; i < second.length; i++) {
        second[i] |= (short) ENV;
      }
    }
    Piece[][] out = new Piece[1 << 16][];
    for (int i = 0; i < out.length; i++) {
      List<Piece> l = byPair.get(i);
      if (l != null) {
        l.sort(Comparator.comparingInt((Piece p) -> p.bytes().length - p.offset()).reversed());
        out[i] = l.subList(0, Math.min(l.size(), MAX_PIECES_PER_PAIR)).toArray(new Piece[0]);
      }
    }
    return out;
  }
}
