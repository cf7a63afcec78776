package dev.coroner.store.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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

  private static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(11).nextBytes(b);
    if (b[0] == 0x7f) {
      b[0] = 0;
    }
    return b;
  }
}
