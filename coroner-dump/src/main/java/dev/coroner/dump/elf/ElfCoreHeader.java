package dev.coroner.dump.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Reads the start of an ELF core to learn how long the whole core must be. A core's program headers
 * list every segment with its file offset and size, so a core that ends before the last segment
 * does is known to be short: this is how a dump cut off by the kernel, a full disk or a killed
 * handler is told apart from a complete one.
 *
 * @param elf whether the data starts with the ELF magic
 * @param expectedSize the file size the headers announce, or null when it cannot be known from the
 *     head alone
 * @param problem why the data is not a usable core, or null
 */
public record ElfCoreHeader(boolean elf, @Nullable Long expectedSize, @Nullable String problem) {
  private static final int ET_CORE = 4;
  private static final int PN_XNUM = 0xffff;

  /** How much of the start of a core {@link #parse} wants to see at most. */
  public static final int HEAD_BYTES = 1 << 20;

  /** Parses the first {@code length} bytes of {@code head}. */
  public static ElfCoreHeader parse(byte[] head, int length) {
    if (length < 4 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
      return new ElfCoreHeader(false, null, length == 0 ? "no data" : "not an ELF file");
    }
    if (length < 64) {
      return new ElfCoreHeader(true, null, "ELF header incomplete (" + length + " bytes)");
    }
    boolean is64 = head[4] == 2;
    ByteBuffer b =
        ByteBuffer.wrap(head, 0, length)
            .order(head[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    int type = Short.toUnsignedInt(b.getShort(16));
    if (type != ET_CORE) {
      return new ElfCoreHeader(true, null, "ELF file is not a core (e_type " + type + ")");
    }
    long phoff = is64 ? b.getLong(32) : Integer.toUnsignedLong(b.getInt(28));
    int phentsize = Short.toUnsignedInt(b.getShort(is64 ? 54 : 42));
    int phnum = Short.toUnsignedInt(b.getShort(is64 ? 56 : 44));
    if (phnum == PN_XNUM) {
      // The real count sits in a section header at the end of the core; not knowable from here.
      return new ElfCoreHeader(true, null, null);
    }
    long tableEnd = phoff + (long) phentsize * phnum;
    if (phoff < 0 || tableEnd > length || phentsize < (is64 ? 56 : 32)) {
      return new ElfCoreHeader(true, null, "program headers incomplete or beyond the first MiB");
    }
    long end = tableEnd;
    for (int i = 0; i < phnum; i++) {
      int at = (int) (phoff + (long) i * phentsize);
      long offset = is64 ? b.getLong(at + 8) : Integer.toUnsignedLong(b.getInt(at + 4));
      long filesz = is64 ? b.getLong(at + 32) : Integer.toUnsignedLong(b.getInt(at + 16));
      if (offset < 0 || filesz < 0) {
        return new ElfCoreHeader(true, null, "program header " + i + " is corrupt");
      }
      end = Math.max(end, offset + filesz);
    }
    return new ElfCoreHeader(true, end, null);
  }
}
