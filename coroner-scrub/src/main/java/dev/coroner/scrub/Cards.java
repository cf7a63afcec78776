package dev.coroner.scrub;

/**
 * Payment card numbers: which prefixes and lengths the brands issue, and the Luhn check that every
 * real number passes (a lookalike that fails it is kept).
 */
final class Cards {
  static final int MIN_DIGITS = 13;
  static final int MAX_DIGITS = 19;

  private Cards() {}

  /** Whether {@code d[0, n)} (digit values) is a plausible card number. */
  static boolean isCard(int[] d, int n) {
    return n >= MIN_DIGITS && n <= MAX_DIGITS && brandAllows(d, n) && luhn(d, n);
  }

  static boolean luhn(int[] d, int n) {
    int sum = 0;
    for (int i = n - 1, k = 0; i >= 0; i--, k++) {
      int v = d[i];
      if ((k & 1) == 1) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
    }
    return sum % 10 == 0;
  }

  // Prefix ranges after the card brands' published IIN tables (Visa, Mastercard, Amex, Discover,
  // JCB, Diners Club, UnionPay).
  static boolean brandAllows(int[] d, int n) {
    int d1 = d[0];
    int d2 = d1 * 10 + d[1];
    int d3 = d2 * 10 + d[2];
    int d4 = d3 * 10 + d[3];
    int d6 = d4 * 100 + d[4] * 10 + d[5];
    if (d1 == 4) {
      return n == 13 || n == 16 || n == 19;
    }
    if ((d2 >= 51 && d2 <= 55) || (d4 >= 2221 && d4 <= 2720)) {
      return n == 16;
    }
    if (d2 == 34 || d2 == 37) {
      return n == 15;
    }
    boolean long16to19 = n >= 16;
    if (d4 == 6011 || d2 == 65 || (d3 >= 644 && d3 <= 649) || (d6 >= 622126 && d6 <= 622925)) {
      return long16to19;
    }
    if (d2 == 62 || (d4 >= 3528 && d4 <= 3589)) {
      return long16to19;
    }
    if ((d3 >= 300 && d3 <= 305) || d4 == 3095 || d2 == 36 || d2 == 38 || d2 == 39) {
      return n >= 14;
    }
    return false;
  }
}
