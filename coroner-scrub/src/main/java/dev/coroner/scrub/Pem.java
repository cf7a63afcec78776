package dev.coroner.scrub;

import static dev.coroner.scrub.Detectors.isB64;
import static dev.coroner.scrub.Detectors.isDigit;
import static dev.coroner.scrub.Detectors.isUpperAlnum;

/** The {@link Rule#PEM_PRIVATE_KEY} rule: PEM private key blocks and the pieces of them. */
final class Pem {
  /** The longest block, in characters. */
  static final int MAX_PEM = 32768;

  private Pem() {}

  /**
   * A PEM private key, or what V8 left of one: runtimes hold strings in parts (a {@code
   * JSON.stringify}'d key sits in three or more pieces of its string builder), so a piece may lack
   * the BEGIN line, the END line or both. At {@code -----BEGIN ... PRIVATE KEY-----}: to the end of
   * its END line, or to where the block stops. At {@code -----END ... PRIVATE KEY-----}: the body
   * before it, and the line. At a line break (LF or the escape {@code \n}) followed by a {@link
   * #isKeyLine key line}: the body around it.
   */
  static int privateKey(Window w, int p, int s) {
    int c = w.ch(p, s);
    if (c == '-') {
      if (w.matches(p, s, "-----BEGIN ")) {
        int labelEnd = privateKeyLabelEnd(w, p + 11 * s, s);
        if (labelEnd < 0) {
          return -1;
        }
        int end = pemBodyEnd(w, labelEnd, s, p + MAX_PEM * s);
        w.blankKeepingLines(p, end, s);
        return end;
      }
      if (w.matches(p, s, "-----END ")) {
        int end = privateKeyLabelEnd(w, p + 9 * s, s);
        if (end < 0) {
          return -1;
        }
        w.blankKeepingLines(pemBodyStart(w, p, s), end, s);
        return end;
      }
      return -1;
    }
    int q = c == '\\' && w.ch(p + s, s) == 'n' ? p + 2 * s : c == '\n' ? p + s : -1;
    if (q < 0 || !isKeyLine(w, q, s)) {
      return -1;
    }
    int end = pemBodyEnd(w, q, s, q + MAX_PEM * s);
    w.blankKeepingLines(pemBodyStart(w, p, s), end, s);
    return end;
  }

  /**
   * At a label after BEGIN or END: the end of {@code ...PRIVATE KEY-----} (or {@code PRIVATE KEY
   * BLOCK-----}), or -1 when it is another label.
   */
  private static int privateKeyLabelEnd(Window w, int q, int s) {
    for (int k = 0; k < 48; k++) {
      int at = q + k * s;
      int c = w.ch(at, s);
      if (c == '-') {
        boolean key = endsWith(w, at, s, "PRIVATE KEY") || endsWith(w, at, s, "PRIVATE KEY BLOCK");
        return key && w.matches(at, s, "-----") ? at + 5 * s : -1;
      }
      if (!(isUpperAlnum(c) || c == ' ')) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Whether a key's body line starts at {@code q}: at least 40 base64 characters, with upper and
   * lower case letters and digits (random key material has all three; paths and hex digests do
   * not).
   */
  private static boolean isKeyLine(Window w, int q, int s) {
    int n = 0;
    int classes = 0;
    for (int c = w.ch(q, s); isB64(c); c = w.ch(q + ++n * s, s)) {
      classes |= isDigit(c) ? 1 : c >= 'a' && c <= 'z' ? 2 : c >= 'A' && c <= 'Z' ? 4 : 0;
      if (n >= 40 && classes == 7) {
        return true;
      }
    }
    return false;
  }

  private static boolean endsWith(Window w, int end, int s, String lit) {
    return w.matches(end - lit.length() * s, s, lit);
  }

  // Base64, line breaks, the RFC 1421 headers of encrypted keys (Proc-Type, DEK-Info) and the
  // backslash of a JSON-escaped newline.
  private static boolean isPemBody(int c) {
    return isB64(c) || c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == ':'
        || c == ',' || c == '-' || c == '\\';
  }

  /**
   * Where the body that ends before {@code p} starts: back over base64 and line breaks only, so
   * that ordinary text before a piece of a key is kept.
   */
  private static int pemBodyStart(Window w, int p, int s) {
    int q = p;
    for (int k = 0; k < MAX_PEM; k++) {
      int c = w.ch(q - s, s);
      if (!(isB64(c) || c == '=' || c == '\n' || c == '\r' || c == '\\')) {
        break;
      }
      q -= s;
    }
    return q;
  }

  /** Where the body from {@code q} ends: after its END line, or where it stops. */
  private static int pemBodyEnd(Window w, int q, int s, int cap) {
    while (q < cap) {
      int c = w.ch(q, s);
      if (c == '-' && w.matches(q, s, "-----END ")) {
        int end = privateKeyLabelEnd(w, q + 9 * s, s);
        return end > 0 ? end : q;
      }
      if (!isPemBody(c)) {
        return q;
      }
      q += s;
    }
    return q;
  }
}
