package dev.coroner.scrub;

import static dev.coroner.scrub.Secrets.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RulesTest {
  private static final Scrubber ALL = Scrubber.of(ScrubOptions.defaults());

  /** Scrubs {@code text} as one-byte and as UTF-16LE text; both must give {@code expected}. */
  private static Map<String, Long> check(String text, String expected) {
    return check(ALL, text, expected);
  }

  private static Map<String, Long> check(Scrubber s, String text, String expected) {
    byte[] narrow = text.getBytes(StandardCharsets.ISO_8859_1);
    ScrubReport r1 = s.scrubText(narrow);
    assertThat(new String(narrow, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
    byte[] wide = text.getBytes(StandardCharsets.UTF_16LE);
    ScrubReport r2 = s.scrubText(wide);
    assertThat(new String(wide, StandardCharsets.UTF_16LE)).as("UTF-16LE").isEqualTo(expected);
    assertThat(r2.matches()).as("UTF-16LE counts").isEqualTo(r1.matches());
    assertThat(r1.complete()).isTrue();
    return r1.matches();
  }

  @ParameterizedTest
  @ValueSource(strings = {VISA, MASTERCARD, AMEX, DISCOVER, "2223003122003222", "3566002020360505"})
  void cardNumbersAreBlanked(String card) {
    Map<String, Long> m = check("card=" + card + ";", "card=" + stars(card.length()) + ";");
    assertThat(m).containsExactly(Map.entry("card", 1L));
  }

  @Test
  void groupedCardNumbersKeepTheirSeparators() {
    check("pay 4111 1111 1111 1111 now", "pay **** **** **** **** now");
    check("pay 4111-1111-1111-1111 2024", "pay ****-****-****-**** 2024");
    check("amex 3782 822463 10005.", "amex **** ****** *****.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        VISA_LUHN_FAIL, // fails Luhn
        "1234567812345670", // passes Luhn, no brand starts with 1
        "41111111111111110000", // too long
        "411111111111", // too short
        "37828224631000", // Amex prefix, wrong length
      })
  void lookalikesAreKept(String number) {
    Map<String, Long> m = check("n=" + number + " ", "n=" + number + " ");
    assertThat(m).isEmpty();
  }

  @Test
  void digitsGluedToANumberAreNotACard() {
    check("x9" + VISA, "x9" + VISA);
  }

  @Test
  void awsKeyIdsAreBlanked() {
    check("id=" + AWS_ID + "\n", "id=" + stars(20) + "\n");
    check("\"ASIAY34FZKBOKMUTVV7A\",", "\"" + stars(20) + "\",");
    check("xAKIAIOSFODNN7EXAMPLE", "xAKIAIOSFODNN7EXAMPLE");
    check(AWS_ID + "X", AWS_ID + "X");
    check("AKIA1234", "AKIA1234");
  }

  @Test
  void awsSecretKeysNextToTheirNameAreBlanked() {
    check(
        "aws_secret_access_key = " + AWS_SECRET + "\n",
        "aws_secret_access_key = " + stars(40) + "\n");
    check("AWS_SECRET_ACCESS_KEY=" + AWS_SECRET, "AWS_SECRET_ACCESS_KEY=" + stars(40));
    check(
        "{\"SecretAccessKey\": \"" + AWS_SECRET + "\"}",
        "{\"SecretAccessKey\": \"" + stars(40) + "\"}");
    // Alone, 40 base64 characters are not known to be a key.
    check("k " + AWS_SECRET, "k " + AWS_SECRET);
    check(
        "aws_secret_access_key=" + AWS_SECRET + "AB", "aws_secret_access_key=" + AWS_SECRET + "AB");
  }

  @Test
  void jwtsAreBlanked() {
    Map<String, Long> m = check("token: " + JWT + "\n", "token: " + stars(JWT.length()) + "\n");
    assertThat(m).containsExactly(Map.entry("jwt", 1L));
    String k8s =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9"
            + ".eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0"
            + ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtLS0tLQ";
    check(k8s, stars(k8s.length()));
    check("they.eyJhbGciOiJIUzI1NiJ9", "they.eyJhbGciOiJIUzI1NiJ9");
  }

  @Test
  void pemPrivateKeysAreBlankedWholeKeepingLines() {
    String blanked = PEM.replaceAll("[^\n]", "*");
    Map<String, Long> m = check("key:\n" + PEM + "\nrest", "key:\n" + blanked + "\nrest");
    assertThat(m).containsExactly(Map.entry("pem-private-key", 1L));
    String cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    check(cert, cert);
    // Cut short: blanked up to where it stops.
    String cut = PEM.substring(0, 80);
    check(cut + "\0\u0001", cut.replaceAll("[^\n]", "*") + "\0\u0001");
  }

  @Test
  void piecesOfAPemKeyAreBlankedToo() {
    // V8 holds a JSON.stringify'd key in pieces: the middle and the tail lack the BEGIN line.
    String json = PEM.replace("\n", "\\n");
    int cut1 = json.indexOf("MIIB") + 60;
    int cut2 = json.indexOf("-----END") - 70;
    String head = json.substring(0, cut1);
    String middle = json.substring(cut1, cut2);
    String tail = json.substring(cut2);
    String pieces = "\"" + head + "\u0001\u0002" + middle + "\u0003\u0004" + tail + "\"";
    String expected =
        "\""
            + stars(head.length())
            + "\u0001\u0002"
            + stars(middle.length())
            + "\u0003\u0004"
            + stars(tail.length())
            + "\"";
    Map<String, Long> m = check(pieces, expected);
    assertThat(m).containsExactly(Map.entry("pem-private-key", 3L));
    // A body line alone, after a line break.
    String line = PEM.split("\n")[2];
    check("key:\n" + line + "\n\u0000", "key:\n" + stars(line.length()) + "\n\u0000");
    // Not a key: lower-case hex, a path, short lines.
    String hex = "\n" + "0123456789abcdef".repeat(4) + "\n";
    check(hex, hex);
    String path = "\n/usr/lib/jvm/java/openjdk/lib/server/libjvm/aaaaaaaa\n";
    check(path, path);
    check("\nMIIBOgIBAAJBAKj34Gkx\n", "\nMIIBOgIBAAJBAKj34Gkx\n");
  }

  @Test
  void bearerTokensAreBlanked() {
    check(
        "Authorization: Bearer abcdef0123456789.xyz\r\n",
        "Authorization: Bearer " + stars(20) + "\r\n");
    check("bearer  Zm9vYmFyYmF6", "bearer  " + stars(12));
    check("Bearer short", "Bearer short");
    check("to be or not", "to be or not");
  }

  @Test
  void urlCredentialsAreBlanked() {
    check(
        "DATABASE_URL=postgres://admin:hunter2@db:5432/app",
        "DATABASE_URL=postgres://" + stars(13) + "@db:5432/app");
    check("https://example.com:8443/a@b", "https://example.com:8443/a@b");
    check("https://user@example.com/", "https://user@example.com/");
  }

  @Test
  void customRulesAreBlankedAndCountedByName() {
    Scrubber s =
        Scrubber.of(
            ScrubOptions.defaults()
                .withCustom(List.of(CustomRule.of("ssn", "\\b\\d{3}-\\d{2}-\\d{4}\\b"))));
    Map<String, Long> m =
        check(s, "ssn 123-45-6789 and 987-65-4321.", "ssn *********** and ***********.");
    assertThat(m).containsExactly(Map.entry("custom:ssn", 2L));
  }

  @Test
  void disabledRulesDoNotMatch() {
    Scrubber s = Scrubber.of(ScrubOptions.defaults().withRules(EnumSet.of(Rule.JWT)));
    check(s, "card " + VISA + " " + AWS_ID, "card " + VISA + " " + AWS_ID);
  }

  @Test
  void everyRuleHasAStableId() {
    assertThat(List.of(Rule.values()))
        .extracting(Rule::id)
        .containsExactly(
            "card",
            "aws-access-key-id",
            "aws-secret-key",
            "jwt",
            "pem-private-key",
            "bearer",
            "url-credentials",
            "env-secret",
            "register-text");
  }

  @Test
  void aReportNeverHoldsAValue() {
    byte[] b = ("k=" + JWT + " " + VISA).getBytes(StandardCharsets.US_ASCII);
    ScrubReport r = ALL.scrubText(b);
    assertThat(r.toString() + r.summary()).doesNotContain(VISA).doesNotContain("eyJ");
    assertThat(r.summary()).startsWith("complete: card=1 jwt=1");
  }
}
