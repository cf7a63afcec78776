package dev.coroner.store.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgeEncryptionTest {
  @TempDir Path dir;

  /** A fresh key pair: [identity file, recipient]. */
  Path[] keys(String name) throws Exception {
    KeyPair pair = new X25519KeyPairGenerator().generateKeyPair();
    Path identity = dir.resolve(name + ".key");
    Files.writeString(
        identity,
        "# created by a test\n# public key: " + pair.getPublic() + "\n" + pair.getPrivate() + "\n");
    return new Path[] {identity, Path.of(pair.getPublic().toString())};
  }

  Path data(int size) throws IOException {
    byte[] b = new byte[size];
    new Random(42).nextBytes(b);
    return Files.write(dir.resolve("d.zip"), b);
  }

  @Test
  void encryptsToEveryRecipientAndDecryptsToTheExactBytes() throws Exception {
    Path[] a = keys("a");
    Path[] b = keys("b");
    Path zip = data(200_000 + 17); // several 64 KiB chunks and a short last one
    Path age = dir.resolve("d.zip.age");

    AgeEncryption.encrypt(zip, age, new AgeRecipients(List.of(a[1].toString(), b[1].toString())));

    assertThat(Files.getPosixFilePermissions(age))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(age, StandardCharsets.ISO_8859_1))
        .startsWith("age-encryption.org/v1\n");
    for (Path[] k : List.of(a, b)) {
      try (InputStream in = AgeIdentities.read(k[0]).decrypt(Files.newInputStream(age))) {
        assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(zip));
      }
    }
  }

  @Test
  void aWrongIdentityIsToldApartFromDamagedCiphertext() throws Exception {
    Path[] a = keys("a");
    Path[] other = keys("other");
    Path zip = data(100_000);
    Path age = dir.resolve("d.zip.age");
    AgeEncryption.encrypt(zip, age, AgeRecipients.parse(a[1].toString()));

    AgeIdentities wrong = AgeIdentities.read(other[0]);
    assertThatThrownBy(() -> wrong.decrypt(Files.newInputStream(age)))
        .isInstanceOf(AgeIdentities.BadIdentityException.class)
        .hasMessageContaining("is a recipient of this dump")
        .hasMessageNotContaining("AGE-SECRET-KEY");

    byte[] damaged = Files.readAllBytes(age);
    damaged[damaged.length - 100] ^= 1;
    Path bad = Files.write(dir.resolve("bad.age"), damaged);
    assertThatThrownBy(
            () -> {
              try (InputStream in = AgeIdentities.read(a[0]).decrypt(Files.newInputStream(bad))) {
                in.readAllBytes();
              }
            })
        .isInstanceOf(IOException.class);
  }

  @Test
  void identityFilesAndRecipientsAreChecked() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk"), "hello\n");
    assertThatThrownBy(() -> AgeIdentities.read(junk))
        .hasMessageContaining("line 1")
        .hasMessageContaining("AGE-SECRET-KEY-1");
    assertThatThrownBy(() -> AgeIdentities.read(dir.resolve("missing")))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> AgeRecipients.parse("age1nope"))
        .hasMessageContaining("not an age X25519 recipient");
    Path[] a = keys("a");
    assertThat(AgeIdentities.read(a[0]).toString()).doesNotContain("AGE-SECRET-KEY");
    assertThat(AgeRecipients.parse(" " + a[1] + " + " + keys("b")[1]).keys()).hasSize(2);
  }

  /** The reference implementation reads what we write, and we read what it writes. */
  @Test
  void theStandardAgeToolAgrees() throws Exception {
    assumeThat(Path.of("/usr/bin/age")).exists();
    Path[] a = keys("a");
    Path zip = data(300_000);
    Path age = dir.resolve("d.zip.age");
    AgeEncryption.encrypt(zip, age, AgeRecipients.parse(a[1].toString()));
    Path out = dir.resolve("out.zip");
    assertThat(run("age", "-d", "-i", a[0].toString(), "-o", out.toString(), age.toString()))
        .isZero();
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(zip));

    Path theirs = dir.resolve("theirs.age");
    assertThat(run("age", "-r", a[1].toString(), "-o", theirs.toString(), zip.toString())).isZero();
    try (InputStream in = AgeIdentities.read(a[0]).decrypt(Files.newInputStream(theirs))) {
      assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(zip));
    }
  }

  static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }
}
