package dev.coroner.snapshot.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.dump.elf.ElfCoreHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreImageTest {
  @TempDir Path proc;

  /** A "process" whose mem is a plain file: pread at an address reads the file there. */
  private ProcessMemory memory(byte[] mem) throws IOException {
    Files.createDirectories(proc.resolve("7"));
    Files.write(proc.resolve("7/mem"), mem);
    return ProcessMemory.open(proc, 7);
  }

  private static Mapping map(
      long start, long end, String perms, long inode, String path, long anonKb) {
    return new Mapping(start, end, perms, 0, inode, path, Set.of(), anonKb, 0);
  }

  @Test
  void theStreamIsTheLayoutTheHeadersAnnounce() throws IOException {
    byte[] mem = new byte[0x6000];
    Arrays.fill(mem, 0x1000, 0x3000, (byte) 0xab);
    mem[0x4000] = 0x7f;
    mem[0x4001] = 'E';
    mem[0x4002] = 'L';
    mem[0x4003] = 'F';
    mem[0x4010] = 42;
    List<Mapping> maps =
        List.of(
            map(0x1000, 0x3000, "rw-p", 0, "[heap]", 8),
            map(0x3000, 0x4000, "---p", 0, "", 0),
            map(0x4000, 0x6000, "r-xp", 5, "/lib/x.so", 0));
    byte[] notes = new byte[100];
    try (ProcessMemory m = memory(mem)) {
      CoreImage image = CoreImage.plan(maps, DumpFilter.DEFAULT, m, notes);
      assertThat(image.segments())
          .extracting(CoreImage.Segment::fileSize)
          .containsExactly(0x2000L, 0L, 0x1000L);
      byte[] core = drain(new CoreStream(image, m));
      assertThat(core.length).isEqualTo(image.size());
      ElfCoreHeader h = ElfCoreHeader.parse(core, core.length);
      assertThat(h.problem()).isNull();
      assertThat(h.expectedSize()).isEqualTo((long) core.length);
      ByteBuffer b = ByteBuffer.wrap(core).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(b.getShort(56)).isEqualTo((short) 4); // PT_NOTE + 3 PT_LOAD
      long heapOffset = image.segments().get(0).fileOffset();
      assertThat(heapOffset % 4096).isZero();
      assertThat(core[(int) heapOffset]).isEqualTo((byte) 0xab);
      long libOffset = image.segments().get(2).fileOffset();
      assertThat(core[(int) libOffset + 0x10]).isEqualTo((byte) 42);
      // the second PT_LOAD: memsz of the mapping, no file bytes
      int ph = 64 + 56 * 2;
      assertThat(b.getInt(ph)).isEqualTo(1);
      assertThat(b.getLong(ph + 32)).isZero();
      assertThat(b.getLong(ph + 40)).isEqualTo(0x1000);
    }
  }

  @Test
  void pagesPagemapCannotReadAreZeros() throws IOException {
    // No pagemap file: every page is read; past the end of "mem" reads nothing, which is zeros.
    List<Mapping> maps = List.of(map(0x1000, 0x4000, "rw-p", 0, "", 4));
    try (ProcessMemory m = memory(new byte[0x2000])) {
      CoreImage image = CoreImage.plan(maps, DumpFilter.DEFAULT, m, new byte[0]);
      byte[] core = drain(new CoreStream(image, m));
      assertThat(core.length).isEqualTo(image.size());
      assertThat(m.unreadablePages()).isEqualTo(2);
    }
  }

  private static byte[] drain(CoreStream s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(3000); // not a page multiple, on purpose
    while (s.read(buf.clear()) > 0) {
      out.write(buf.array(), 0, buf.position());
    }
    return out.toByteArray();
  }
}
