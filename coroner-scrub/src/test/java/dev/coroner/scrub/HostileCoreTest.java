package dev.coroner.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that lie about themselves: the scrubber reports, never throws, never writes outside. */
class HostileCoreTest {
  private static final Scrubber S = Scrubber.of(ScrubOptions.defaults());
  private static final Scrubber DROP = Scrubber.of(ScrubOptions.defaults().withDropHeap(true));
  @TempDir Path tmp;

  private static byte[] validCore() {
    byte[] heap = CoreScrubTest.page("x " + Secrets.VISA, false);
    return new SyntheticCore()
        .rw(0x1000, heap)
        .load(0x2000, 5, new byte[4096])
        .thread(0x1000)
        .build();
  }

  private ScrubReport scrub(byte[] core) throws Exception {
    Path p = Files.write(tmp.resolve("core"), core);
    ScrubReport r = S.scrubCore(p);
    assertThat(Files.size(p)).as("same length").isEqualTo(core.length);
    return r;
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  // Program header i starts at 64 + 56 i: type 0, flags 4, offset 8, vaddr 16, filesz 32.
  private static int ph(int i) {
    return 64 + 56 * i;
  }

  @Test
  void shortAndForeignFilesFail() throws Exception {
    assertThat(scrub(new byte[0]).failure()).contains("shorter than an ELF header");
    assertThat(scrub(Arrays.copyOf(validCore(), 63)).failure()).contains("shorter");
    assertThat(
            scrub("hello world, this is not a core at all; it is text. ".repeat(3).getBytes())
                .failure())
        .contains("not an ELF file");
    byte[] exec = validCore();
    exec[16] = 2;
    assertThat(scrub(exec).failure()).contains("not a core");
    byte[] be = validCore();
    be[5] = 2;
    assertThat(scrub(be).failure()).contains("little-endian");
  }

  @Test
  void aTableCutOffFails() throws Exception {
    byte[] core = validCore();
    assertThat(scrub(Arrays.copyOf(core, ph(1) + 10)).failure()).contains("program header table");
    byte[] many = validCore();
    le(many).putShort(56, (short) 30000);
    assertThat(scrub(many).failure()).contains("program header table");
    byte[] xnum = validCore();
    le(xnum).putShort(56, (short) 0xffff);
    assertThat(scrub(xnum).failure()).contains("PN_XNUM");
    byte[] phoff = validCore();
    le(phoff).putLong(32, Long.MIN_VALUE);
    assertThat(scrub(phoff).failure()).contains("program header table");
  }

  @Test
  void segmentsPastTheEndAreClippedOrSkipped() throws Exception {
    byte[] huge = validCore();
    le(huge).putLong(ph(1) + 32, Long.MAX_VALUE); // the writable PT_LOAD
    ScrubReport r = scrub(huge);
    assertThat(r.complete()).as(r.summary()).isTrue();
    assertThat(r.warnings()).anyMatch(w -> w.contains("cut short"));
    assertThat(r.matches()).containsKey("card");

    byte[] past = validCore();
    le(past).putLong(ph(1) + 8, 1L << 40);
    r = scrub(past);
    assertThat(r.complete()).isTrue();
    assertThat(r.warnings()).anyMatch(w -> w.contains("outside the file"));

    byte[] negative = validCore();
    le(negative).putLong(ph(1) + 32, -4096);
    assertThat(scrub(negative).complete()).isTrue();
  }

  @Test
  void aWritableSegmentOverTheHeadersFails() throws Exception {
    byte[] core = validCore();
    le(core).putLong(ph(1) + 8, 0);
    ScrubReport r = scrub(core);
    assertThat(r.failure()).contains("overlaps the ELF or note headers");
  }

  @Test
  void malformedNotesFail() throws Exception {
    byte[] core = validCore();
    int notesAt = (int) le(core).getLong(ph(0) + 8);
    le(core).putInt(notesAt + 4, 0x7fffffff); // descsz
    assertThat(scrub(core).failure()).contains("note");
    byte[] big = validCore();
    le(big).putLong(ph(0) + 32, 1L << 62); // PT_NOTE size: clipped to the file, then malformed
    ScrubReport r = scrub(big);
    assertThat(r.complete() ? r.warnings().toString() : r.failure()).isNotEmpty();
  }

  @Test
  void millionsOfEmptyNotesFailInsteadOfFillingTheHeap() throws Exception {
    // One note of a million empty ones: the parser would keep a record for each.
    byte[] many = new byte[12 * 1_000_000];
    ByteBuffer b = ByteBuffer.wrap(many).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 1_000_000; i++) {
      b.putInt(0).putInt(0).putInt(7);
    }
    byte[] core = new SyntheticCore().rw(0x10000000, new byte[4096]).build();
    byte[] withMany = new byte[core.length + many.length];
    System.arraycopy(core, 0, withMany, 0, core.length);
    System.arraycopy(many, 0, withMany, core.length, many.length);
    le(withMany).putLong(ph(0) + 8, core.length).putLong(ph(0) + 32, many.length);
    assertThat(scrub(withMany).failure()).contains("more than").contains("notes");
  }

  @Test
  void randomCorruptionNeverThrowsNorChangesTheLength() throws Exception {
    byte[] good = validCore();
    Random rnd = new Random(42);
    Path p = tmp.resolve("fuzz");
    for (int round = 0; round < 300; round++) {
      byte[] core = good.clone();
      int flips = 1 + rnd.nextInt(8);
      for (int f = 0; f < flips; f++) {
        int at = rnd.nextInt(Math.min(core.length, 1024));
        core[at] = (byte) rnd.nextInt(256);
      }
      if (rnd.nextInt(4) == 0) {
        core = Arrays.copyOf(core, rnd.nextInt(core.length));
      }
      Files.write(p, core);
      ScrubReport r = (round % 2 == 0 ? S : DROP).scrubCore(p);
      assertThat(r).isNotNull();
      assertThat(Files.size(p)).isEqualTo(core.length);
      if (r.failure() != null) {
        assertThat(r.failure()).doesNotContain("internal error");
      }
    }
  }
}
