package dev.coroner.kube.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed URLs in the age format, checked against the real {@code age} and {@code age-keygen}
 * (Debian's age package, bin/setup installs it): what coroner seals, age opens, and the reverse.
 */
class AgeTest {
  private static final String URL =
      "http://127.0.0.1:9000/crashes/shop/x.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab12";

  @TempDir Path tmp;

  @Test
  void opensWhatItSealsAndNothingElse() throws Exception {
    AgeIdentity alice = AgeIdentity.generate();
    AgeIdentity mallory = AgeIdentity.generate();
    String sealed = Age.encrypt(URL.getBytes(StandardCharsets.UTF_8), alice.recipient());

    assertThat(sealed).startsWith("-----BEGIN AGE ENCRYPTED FILE-----\n").doesNotContain("X-Amz");
    assertThat(new String(Age.decrypt(sealed, alice), StandardCharsets.UTF_8)).isEqualTo(URL);
    assertThatThrownBy(() -> Age.decrypt(sealed, mallory))
        .isInstanceOf(AgeException.class)
        .hasMessageContaining("not encrypted to this key");
    String damaged = sealed.replace(sealed.substring(60, 61), sealed.charAt(60) == 'A' ? "B" : "A");
    assertThatThrownBy(() -> Age.decrypt(damaged, alice)).isInstanceOf(AgeException.class);
  }

  @Test
  void keysRoundTripAndSecretsStayOutOfToString() {
    AgeIdentity id = AgeIdentity.generate();
    assertThat(id.recipient().toString()).startsWith("age1").hasSize(62);
    assertThat(AgeRecipient.parse(id.recipient().toString())).isEqualTo(id.recipient());
    assertThat(AgeIdentity.parse(id.encode())).isEqualTo(id);
    assertThat(id.encode()).startsWith("AGE-SECRET-KEY-1");
    assertThat(id.toString()).doesNotContain(id.encode()).contains(id.recipient().toString());
    assertThatThrownBy(() -> AgeRecipient.parse("age1notakey"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("age1");
    assertThatThrownBy(() -> AgeRecipient.parse(id.encode()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRealAgeOpensWhatCoronerSeals() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/age")), "age is not installed (bin/setup)");
    AgeIdentity id = AgeIdentity.generate();
    Path key = tmp.resolve("key.txt");
    Files.writeString(key, id.encode() + "\n");
    Path sealed = tmp.resolve("url.age");
    Files.writeString(sealed, Age.encrypt(URL.getBytes(StandardCharsets.UTF_8), id.recipient()));

    assertThat(run("age", "-d", "-i", key.toString(), sealed.toString())).isEqualTo(URL);

    // A payload past one 64 KiB chunk takes the STREAM's counter nonces.
    byte[] big = "x".repeat(200_000).getBytes(StandardCharsets.UTF_8);
    Files.writeString(sealed, Age.encrypt(big, id.recipient()));
    assertThat(run("age", "-d", "-i", key.toString(), sealed.toString())).hasSize(200_000);
  }

  @Test
  void coronerOpensWhatTheRealAgeSeals() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/age")), "age is not installed (bin/setup)");
    Path key = tmp.resolve("key.txt");
    run("age-keygen", "-o", key.toString());
    String secret =
        Files.readAllLines(key).stream()
            .filter(l -> l.startsWith("AGE-SECRET-KEY-"))
            .findFirst()
            .orElseThrow();
    AgeIdentity id = AgeIdentity.parse(secret);
    Path plain = tmp.resolve("url.txt");
    Files.writeString(plain, URL);
    String armored = run("age", "-a", "-r", id.recipient().toString(), plain.toString());

    assertThat(new String(Age.decrypt(armored, id), StandardCharsets.UTF_8)).isEqualTo(URL);
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
