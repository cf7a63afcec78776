package dev.coroner.dump.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Reads the GNU build-id of an ELF executable or library from its PT_NOTE segments: the identity a
 * debugger needs to match a binary with a core.
 */
public final class ElfBuildId {
  private static final int PT_NOTE = 4;
  private static final int NT_GNU_BUILD_ID = 3;

  private ElfBuildId() {}

  /** The build-id as lower-case hex, or empty for a non-ELF file or one without a build-id. */
  public static Optional<String> of(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return of(ch);
    }
  }

  /** {@link #of(Path)} of an open file (read with positional reads; its position is untouched). */
  public static Optional<String> of(FileChannel ch) throws IOException {
    ByteBuffer h = read(ch, 0, 64);
    if (h.remaining() < 64 || h.order(ByteOrder.LITTLE_ENDIAN).getInt(0) != 0x464c457f) {
      return Optional.empty();
    }
    boolean is64 = h.get(4) == 2;
    ByteOrder order = h.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    h.order(order);
    long phoff = is64 ? h.getLong(32) : Integer.toUnsignedLong(h.getInt(28));
    int phentsize = Short.toUnsignedInt(h.getShort(is64 ? 54 : 42));
    int phnum = Short.toUnsignedInt(h.getShort(is64 ? 56 : 44));
    ByteBuffer ph = read(ch, phoff, phentsize * phnum).order(order);
    for (int i = 0; i < phnum && (i + 1) * phentsize <= ph.limit(); i++) {
      int at = i * phentsize;
      if (ph.getInt(at) != PT_NOTE) {
        continue;
      }
      long offset = is64 ? ph.getLong(at + 8) : Integer.toUnsignedLong(ph.getInt(at + 4));
      long size = is64 ? ph.getLong(at + 32) : Integer.toUnsignedLong(ph.getInt(at + 16));
      Optional<String> id =
          findBuildId(read(ch, offset, (int) Math.min(size, 1 << 16)).order(order));
      if (id.isPresent()) {
        return id;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> findBuildId(ByteBuffer notes) {
    int at = 0;
    while (at + 12 <= notes.limit()) {
      int namesz = notes.getInt(at);
      int descsz = notes.getInt(at + 4);
      int type = notes.getInt(at + 8);
      int name = at + 12;
      int desc = name + align4(namesz);
      if (namesz < 0 || descsz < 0 || desc + descsz > notes.limit()) {
        return Optional.empty();
      }
      if (type == NT_GNU_BUILD_ID && namesz == 4 && notes.get(name) == 'G') {
        byte[] id = new byte[descsz];
        notes.get(desc, id);
        return Optional.of(HexFormat.of().formatHex(id));
      }
      at = desc + align4(descsz);
    }
    return Optional.empty();
  }

  private static int align4(int n) {
    return (n + 3) & ~3;
  }

  private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(Math.max(0, length));
    while (b.hasRemaining()) {
      if (ch.read(b, offset + b.position()) < 0) {
        break;
      }
    }
    return b.flip();
  }
}
