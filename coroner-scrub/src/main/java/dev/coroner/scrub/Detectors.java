package dev.coroner.scrub;

/**
 * The built-in rules, each tried at one candidate position of a {@link Window} in one encoding.
 * Each returns the byte position where its match ends after blanking it, or -1 when there is no
 * match. Every length is capped, so that a match fits in the scanner's look-ahead.
 */
final class Detectors {
  static final int MAX_TOKEN = 8192;
  private static final int MAX_USERINFO = 256;

  private Detectors() {}

  static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAlpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean isAlnum(int c) {
    return isDigit(c) || isAlpha(c);
  }

  private static boolean isB64Url(int c) {
    return isAlnum(c) || c == '-' || c == '_';
  }

  static boolean isB64(int c) {
    return isAlnum(c) || c == '+' || c == '/';
  }

  static boolean isUpperAlnum(int c) {
    return isDigit(c) || (c >= 'A' && c <= 'Z');
  }

  // RFC 6750 b64token.
  private static boolean isBearerChar(int c) {
    return isAlnum(c)
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '+'
        || c == '/'
        || c == '=';
  }

  /** How many characters from {@code p} are base64url characters, at most {@code max}. */
  private static int b64UrlRun(Window w, int p, int s, int max) {
    int n = 0;
    while (n < max && isB64Url(w.ch(p + n * s, s))) {
      n++;
    }
    return n;
  }

  /** {@code AKIA|ASIA|ABIA|ACCA|A3T.} and 16 more of {@code [A-Z0-9]}, alone as a word. */
  static int awsKeyId(Window w, int p, int s) {
    if (isAlnum(w.ch(p - s, s))) {
      return -1;
    }
    if (!(w.matches(p, s, "AKIA")
        || w.matches(p, s, "ASIA")
        || w.matches(p, s, "ABIA")
        || w.matches(p, s, "ACCA")
        || w.matches(p, s, "A3T"))) {
      return -1;
    }
    for (int k = 3; k < 20; k++) {
      if (!isUpperAlnum(w.ch(p + k * s, s))) {
        return -1;
      }
    }
    int end = p + 20 * s;
    if (isAlnum(w.ch(end, s))) {
      return -1;
    }
    w.blank(p, end, s);
    return end;
  }

  /**
   * The 40 characters of {@code [A-Za-z0-9/+]} after {@code secret_access_key} or {@code
   * SecretAccessKey} (any case, {@code _}, {@code -} or nothing between the words) and up to 8
   * characters of quotes, {@code =}, {@code :}, {@code >} and blanks.
   */
  static int awsSecretKey(Window w, int p, int s) {
    if (!w.matchesIgnoreCase(p, s, "secret")) {
      return -1;
    }
    int q = p + 6 * s;
    q = skipWordSeparator(w, q, s);
    if (!w.matchesIgnoreCase(q, s, "access")) {
      return -1;
    }
    q = skipWordSeparator(w, q + 6 * s, s);
    if (!w.matchesIgnoreCase(q, s, "key")) {
      return -1;
    }
    q += 3 * s;
    for (int k = 0; k < 8; k++) {
      int c = w.ch(q, s);
      if (c != ' ' && c != '\t' && c != '"' && c != '\'' && c != '=' && c != ':' && c != '>') {
        break;
      }
      q += s;
    }
    int n = 0;
    while (n <= 40 && isB64(w.ch(q + n * s, s))) {
      n++;
    }
    if (n != 40 || w.ch(q + 40 * s, s) == '=') {
      return -1;
    }
    int end = q + 40 * s;
    w.blank(q, end, s);
    return end;
  }

  private static int skipWordSeparator(Window w, int q, int s) {
    int c = w.ch(q, s);
    return c == '_' || c == '-' ? q + s : q;
  }

  /** {@code eyJ...} header, {@code .ey...} payload, {@code .} and the signature, if any. */
  static int jwt(Window w, int p, int s) {
    if (isB64Url(w.ch(p - s, s)) || w.ch(p + s, s) != 'y' || w.ch(p + 2 * s, s) != 'J') {
      return -1;
    }
    int header = b64UrlRun(w, p, s, MAX_TOKEN);
    int q = p + header * s;
    if (header < 12 || w.ch(q, s) != '.') {
      return -1;
    }
    q += s;
    if (w.ch(q, s) != 'e' || w.ch(q + s, s) != 'y') {
      return -1;
    }
    int payload = b64UrlRun(w, q, s, MAX_TOKEN);
    q += payload * s;
    if (payload < 10 || w.ch(q, s) != '.') {
      return -1;
    }
    q += s;
    q += b64UrlRun(w, q, s, MAX_TOKEN) * s;
    while (w.ch(q, s) == '=') {
      q += s;
    }
    w.blank(p, q, s);
    return q;
  }

  /** {@code Bearer} (any case), blanks, then a token of at least 8 characters. */
  static int bearer(Window w, int p, int s) {
    if (isAlpha(w.ch(p - s, s)) || !w.matchesIgnoreCase(p, s, "bearer")) {
      return -1;
    }
    int q = p + 6 * s;
    int blanks = 0;
    while (blanks < 4 && (w.ch(q, s) == ' ' || w.ch(q, s) == '\t')) {
      q += s;
      blanks++;
    }
    if (blanks == 0) {
      return -1;
    }
    int n = 0;
    while (n < MAX_TOKEN && isBearerChar(w.ch(q + n * s, s))) {
      n++;
    }
    if (n < 8) {
      return -1;
    }
    int end = q + n * s;
    w.blank(q, end, s);
    return end;
  }

  /** At the {@code :} of {@code scheme://user:pass@}: blanks {@code user:pass}. */
  static int urlCredentials(Window w, int p, int s) {
    if (!isAlnum(w.ch(p - s, s)) || !w.matches(p, s, "://")) {
      return -1;
    }
    int start = p + 3 * s;
    int q = start;
    int user = 0;
    while (user < MAX_USERINFO && isUserinfoChar(w.ch(q, s), false)) {
      q += s;
      user++;
    }
    if (user == 0 || w.ch(q, s) != ':') {
      return -1;
    }
    q += s;
    int pass = 0;
    while (pass < MAX_USERINFO && isUserinfoChar(w.ch(q, s), true)) {
      q += s;
      pass++;
    }
    if (pass == 0 || w.ch(q, s) != '@') {
      return -1;
    }
    w.blank(start, q, s);
    return q + s;
  }

  private static boolean isUserinfoChar(int c, boolean colonOk) {
    return c > ' '
        && c < 0x7f
        && c != '/'
        && c != '?'
        && c != '#'
        && c != '@'
        && (colonOk || c != ':');
  }

  /** A card number at a digit that starts a number: 13-19 digits or groups like 4-4-4-4. */
  static int card(Window w, int p, int s, int[] digits) {
    if (isDigit(w.ch(p - s, s))) {
      return -1;
    }
    int n = 0;
    int q = p;
    while (isDigit(w.ch(q, s))) {
      if (n == Cards.MAX_DIGITS) {
        return -1;
      }
      digits[n++] = w.ch(q, s) - '0';
      q += s;
    }
    int end;
    if (n >= Cards.MIN_DIGITS) {
      end = Cards.isCard(digits, n) ? q : -1;
    } else {
      end = n == 4 ? grouped(w, q, s, digits) : -1;
    }
    if (end < 0) {
      return -1;
    }
    for (int i = p; i < end; i += s) {
      if (isDigit(w.ch(i, s))) {
        w.blank(i, i + s, s);
      }
    }
    return end;
  }

  /**
   * After a first group of 4 digits at {@code q}: further groups, each after the same {@code ' '}
   * or {@code '-'}. Returns the end of the longest run of groups that is a card, or -1.
   */
  private static int grouped(Window w, int q, int s, int[] digits) {
    int sep = w.ch(q, s);
    if (sep != ' ' && sep != '-') {
      return -1;
    }
    int n = 4;
    int best = -1;
    while (w.ch(q, s) == sep && isDigit(w.ch(q + s, s))) {
      int r = q + s;
      while (isDigit(w.ch(r, s)) && n < Cards.MAX_DIGITS) {
        digits[n++] = w.ch(r, s) - '0';
        r += s;
      }
      if (isDigit(w.ch(r, s))) {
        break;
      }
      q = r;
      if (n >= Cards.MIN_DIGITS && Cards.isCard(digits, n)) {
        best = q;
      }
    }
    return best;
  }
}
