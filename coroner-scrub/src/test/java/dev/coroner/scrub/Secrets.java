package dev.coroner.scrub;

/** Well-known test values (documentation examples, test card numbers): none is a live secret. */
final class Secrets {
  static final String VISA = "4111111111111111";
  static final String VISA_LUHN_FAIL = "4111111111111112";
  static final String MASTERCARD = "5555555555554444";
  static final String AMEX = "378282246310005";
  static final String DISCOVER = "6011111111111117";
  static final String AWS_ID = "AKIAIOSFODNN7EXAMPLE";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String JWT =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
          + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
          + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  static final String PEM =
      "-----BEGIN RSA PRIVATE KEY-----\n"
          + "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
          + "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n"
          + "o3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k\n"
          + "-----END RSA PRIVATE KEY-----";

  private Secrets() {}

  static String stars(int n) {
    return "*".repeat(n);
  }
}
