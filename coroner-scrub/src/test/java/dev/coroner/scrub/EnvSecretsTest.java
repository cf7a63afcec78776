package dev.coroner.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvSecretsTest {
  private static byte[] environ(String... entries) {
    return (String.join("\0", entries) + "\0").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void takesTheValuesOfSecretLookingNames() {
    EnvSecrets e =
        EnvSecrets.fromEnviron(
            environ(
                "PATH=/usr/bin:/bin",
                "DB_PASSWORD=hunter2hunter2",
                "api_key=k-123456",
                "GITHUB_TOKEN=ghp_abcdefghijklmnop",
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "MY_CREDENTIALS=c0ffee-c0ffee",
                "PASSWD=abc", // too short
                "FEATURE_KEY=true", // a switch
                "KEY_TTL=3600", // a small number
                "PWD=/home/app", // a directory
                "HOME=/root",
                "=novalue",
                "NOEQUALS"));
    assertThat(e.size()).isEqualTo(5);
    assertThat(e.forms())
        .extracting(
            f ->
                new String(
                    f.bytes(), f.utf16() ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_8))
        .contains("hunter2hunter2", "k-123456", "ghp_abcdefghijklmnop", "c0ffee-c0ffee")
        .doesNotContain("abc", "true", "3600", "/home/app", "/root");
  }

  @Test
  void neverShowsAValue() {
    EnvSecrets e = EnvSecrets.of(List.of("s3cr3t-value".getBytes(StandardCharsets.UTF_8)));
    assertThat(e.toString()).isEqualTo("EnvSecrets[1 values]");
    assertThat(e.forms().toString()).doesNotContain("s3cr3t");
  }

  @Test
  void aValueIsBlankedInEveryEncodingARuntimeMayHoldItIn() {
    String value = "grüße-s3cr3t";
    EnvSecrets e = EnvSecrets.fromEnviron(environ("APP_SECRET=" + value));
    Scrubber s = Scrubber.of(ScrubOptions.defaults().withEnvSecrets(e));
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    byte[] latin1 = value.getBytes(StandardCharsets.ISO_8859_1);
    byte[] utf16 = value.getBytes(StandardCharsets.UTF_16LE);
    byte[] all = concat(b("<"), utf8, b("|"), latin1, b("|"), utf16, b(">"));
    ScrubReport r = s.scrubText(all);
    assertThat(r.matches()).containsEntry("env-secret", 3L);
    byte[] expected =
        concat(
            b("<"),
            b("*".repeat(utf8.length)),
            b("|"),
            b("*".repeat(latin1.length)),
            b("|"),
            "*".repeat(value.length()).getBytes(StandardCharsets.UTF_16LE),
            b(">"));
    assertThat(all).isEqualTo(expected);
  }

  @Test
  void theLongerOfTwoValuesWithACommonStartWins() {
    EnvSecrets e = EnvSecrets.of(List.of(b("abcd-1234"), b("abcd-1234-5678")));
    byte[] t = b("x abcd-1234-5678 y abcd-1234 z");
    Scrubber.of(ScrubOptions.defaults().withEnvSecrets(e)).scrubText(t);
    assertThat(new String(t, StandardCharsets.US_ASCII))
        .isEqualTo("x ************** y ********* z");
  }

  @Test
  void piecesOfAValueOfTwelveCharactersOrMoreAreBlankedToo() {
    String v = "Zq8xv2LmP4nKwR7tY0uJ3hGf";
    Scrubber s = Scrubber.of(ScrubOptions.defaults().withEnvSecrets(EnvSecrets.of(List.of(b(v)))));
    String text =
        "[" + v.substring(7) + "] [" + v.substring(3, 15) + "] [" + v.substring(3, 14) + "]";
    byte[] t = b(text);
    ScrubReport r = s.scrubText(t);
    assertThat(new String(t, StandardCharsets.ISO_8859_1))
        .isEqualTo(
            "[" + "*".repeat(17) + "] [" + "*".repeat(12) + "] [" + v.substring(3, 14) + "]");
    assertThat(r.matches()).containsEntry("env-secret", 2L);
    byte[] wide = ("{" + v.substring(5) + "}").getBytes(StandardCharsets.UTF_16LE);
    s.scrubText(wide);
    assertThat(new String(wide, StandardCharsets.UTF_16LE)).isEqualTo("{" + "*".repeat(19) + "}");
  }

  @Test
  void aRepetitiveValueCostsNoMoreThanItsLongestPieces() {
    String v = "A".repeat(20000);
    Scrubber s = Scrubber.of(ScrubOptions.defaults().withEnvSecrets(EnvSecrets.of(List.of(b(v)))));
    byte[] t = b("xx" + "A".repeat(30) + "yy" + "AB".repeat(100000));
    long start = System.nanoTime();
    s.scrubText(t);
    assertThat(System.nanoTime() - start).as("nanos").isLessThan(2_000_000_000L);
    assertThat(new String(t, 0, 34, StandardCharsets.ISO_8859_1))
        .isEqualTo("xx" + "*".repeat(30) + "yy");
  }

  @Test
  void aShortValueIsBlankedWholeOnly() {
    Scrubber s =
        Scrubber.of(ScrubOptions.defaults().withEnvSecrets(EnvSecrets.of(List.of(b("k9-x")))));
    byte[] t = b("k9-x k9-y");
    s.scrubText(t);
    assertThat(new String(t, StandardCharsets.ISO_8859_1)).isEqualTo("**** k9-y");
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
