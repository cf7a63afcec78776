package dev.coroner.store.archive;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Telling a core a debugger can read from one it cannot, from its first bytes only. */
class CoreIsElfTest {
  @TempDir Path dir;

  @Test
  void aCoreThatBeginsAsAnElfFileIs() throws Exception {
    byte[] core = random(1 << 20);
    System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F'}, 0, core, 0, 4);
    try (DumpArchive a = DumpArchive.open(DumpInfoRewriteTest.dump(dir, core))) {
      assertThat(a.coreIsElf()).isTrue();
    }
  }

  @Test
  void randomBytesAreNot() throws Exception {
    byte[] core = random(1 << 20);
    core[0] = 0x7f; // one byte of the magic is not enough
    try (DumpArchive a = DumpArchive.open(DumpInfoRewriteTest.dump(dir, core))) {
      assertThat(a.coreIsElf()).isFalse();
    }
  }

  @Test
  void aCoreShorterThanTheMagicIsNot() throws Exception {
    byte[] core = {0x7f, 'E', 'L'};
    try (DumpArchive a = DumpArchive.open(DumpInfoRewriteTest.dump(dir, core))) {
      assertThat(a.coreIsElf()).isFalse();
    }
    try (DumpArchive a = DumpArchive.open(DumpInfoRewriteTest.dump(dir, new byte[0]))) {
      assertThat(a.coreIsElf()).isFalse();
    }
  }

  @Test
  void everyCompressionIsReadFromItsStart() throws Exception {
    byte[] core = random(1 << 20);
    System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F'}, 0, core, 0, 4);
    for (Compression c : List.of(Compression.NONE, Compression.DEFLATE)) {
      Path zip =
          DumpInfoRewriteTest.dump(Files.createDirectories(dir.resolve(c.name())), c, core, core);
      try (DumpArchive a = DumpArchive.open(zip)) {
        assertThat(a.coreIsElf()).as(c.name()).isTrue();
      }
    }
    byte[] junk = random(1 << 20);
    Path zip =
        DumpInfoRewriteTest.dump(
            Files.createDirectories(dir.resolve("junk")), Compression.NONE, junk, junk);
    try (DumpArchive a = DumpArchive.open(zip)) {
      assertThat(a.coreIsElf()).isFalse();
    }
  }

  @Test
  void aDamagedZstdCoreIsSaidToBeDamaged() throws Exception {
    byte[] core = random(1 << 20);
    Path zip =
        DumpInfoRewriteTest.dump(dir, Compression.ZSTD, core, "not zstd at all".getBytes(UTF_8));
    try (DumpArchive a = DumpArchive.open(zip)) {
      assertThatThrownBy(a::coreIsElf)
          .isInstanceOf(CorruptDumpException.class)
          .hasMessageContaining("the core entry is damaged");
    }
  }

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(11).nextBytes(b);
    if (b[0] == 0x7f) {
      b[0] = 0;
    }
    return b;
  }
}
